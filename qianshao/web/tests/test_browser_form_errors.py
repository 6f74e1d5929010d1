"""Issue 12, defect 1: a validation error sits with its field. Each multi-field form is
submitted with errors, and on the page that answers every input is still drawn beside (or
under) its own label: the label nearest before it on the screen is the one naming it.

Before the fix the disaster figures' errors were extra cells of the figures' grid, and
every later label/input pair shifted by one (the value beside 直接经济损失 was 绝收's)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from qianshao.disasters import actions as disaster_actions
from qianshao.disasters.models import DisasterType
from qianshao.grid.models import Cell, Domain
from qianshao.hazards import actions as hazard_actions
from qianshao.testing_browser import PHONE

# For each visible, labelled control of the form: its own label, and the label a reader
# pairs it with on the screen — the nearest label on its row to its left, else the nearest
# label above it that overlaps it sideways (a control inside its label pairs with that).
PAIRS = """(form) => {
  const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const labels = [...form.querySelectorAll('label')].filter(shown);
  const controls = [...form.querySelectorAll('input, select, textarea')]
    .filter((c) => c.type !== 'hidden' && c.type !== 'submit' && shown(c) && c.id);
  return controls.map((c) => {
    const own = form.querySelector(`label[for="${CSS.escape(c.id)}"]`);
    if (c.closest('label')) return {id: c.id, own: c.closest('label').textContent.trim(),
                                     seen: c.closest('label').textContent.trim()};
    const b = c.getBoundingClientRect();
    const middle = b.top + b.height / 2;
    const onRow = labels.map((l) => [l, l.getBoundingClientRect()])
      .filter(([, r]) => r.top <= middle && middle <= r.bottom && r.right <= b.left + 1)
      .sort((x, y) => y[1].right - x[1].right);
    const above = labels.map((l) => [l, l.getBoundingClientRect()])
      .filter(([, r]) => r.bottom <= b.top + 1 && r.left < b.right && b.left < r.right)
      .sort((x, y) => y[1].bottom - x[1].bottom);
    const seen = (onRow[0] || above[0] || [null])[0];
    return {id: c.id, own: own ? own.textContent.trim() : null,
            seen: seen ? seen.textContent.trim() : null};
  });
}"""


def assert_labels_pair_up(form, *, errors_at_least: int = 1):
    """Every control of ``form`` (a locator) is drawn next to its own label, and the form
    shows at least ``errors_at_least`` errors."""
    expect(form.locator(".errorlist li").first).to_be_visible()
    assert form.locator(".errorlist li").count() >= errors_at_least
    pairs = form.evaluate(PAIRS)
    assert pairs, "no labelled control found"
    wrong = [p for p in pairs if p["own"] is None or p["own"] != p["seen"]]
    assert not wrong, wrong


def submit_unchecked(page, form, button_test_id: str):
    """Press the form's button with the browser's own checks off: the server's answer is
    what is looked at."""
    form.evaluate("f => { f.noValidate = true; }")
    with page.expect_navigation():
        form.get_by_test_id(button_test_id).click()


@pytest.fixture
def reported(demo):
    """A disaster the village reported, and a hazard the township accepted."""
    users = {u.username: u for u in get_user_model().objects.all()}
    village = Cell.objects.get(code="451027100201")
    disaster = disaster_actions.report(
        users["village"],
        type=DisasterType.FLOOD,
        started_at=timezone.now() - timedelta(minutes=30),
        cell=village,
        figures={"affected": 10, "crops_affected_ha": 4},
    )
    hazard = hazard_actions.report(
        users["village"],
        title="河堤裂缝",
        description="河堤出现约两米长的裂缝",
        category=Domain.objects.order_by("pk").first(),
        cell=village,
    )
    hazard_actions.accept(users["township"], hazard, note="情况属实")
    return disaster, hazard


@pytest.mark.browser
def test_every_multi_field_form_keeps_labels_beside_their_inputs_after_errors(
    demo, reported, new_page, log_in
):
    disaster, hazard = reported

    # the case: 初报 on the phone, 死亡 > 受灾 and 绝收 > 成灾 > 受灾
    phone = new_page(**PHONE)
    log_in(phone, "village", demo.PASSWORD)
    phone.goto("/disasters/new/")
    form = phone.get_by_test_id("disaster-form")
    figures = {
        "affected": 5,
        "dead": 6,
        "crops_affected_ha": 1,
        "crops_damaged_ha": 2,
        "crops_lost_ha": 3,
    }
    for name, value in figures.items():
        form.locator(f"[name={name}]").fill(str(value))
    submit_unchecked(phone, form, "submit-disaster")
    form = phone.get_by_test_id("disaster-form")
    assert_labels_pair_up(form, errors_at_least=3)
    for name, value in figures.items():  # each value is still where it was typed
        expect(form.locator(f"[name={name}]")).to_have_value(str(value))

    # 续报 on the disaster's page (the reporter), then its relief application
    phone.goto(f"/disasters/{disaster.number}/")
    form = phone.locator("#step-follow-up")
    form.locator("[name=affected]").fill("3")
    form.locator("[name=missing]").fill("4")
    form.locator("[name=crops_damaged_ha]").fill("9")
    submit_unchecked(phone, form, "step-follow-up")
    assert_labels_pair_up(phone.locator("#step-follow-up"), errors_at_least=2)

    phone.goto(f"/disasters/{disaster.number}/")
    form = phone.locator("#step-relief")
    form.locator("[name=households]").fill("-1")
    form.locator("[name=people]").fill("-2")
    submit_unchecked(phone, form, "step-relief")
    assert_labels_pair_up(phone.locator("#step-relief"), errors_at_least=2)

    # the hazard report on the phone, with nothing filled in
    phone.goto("/m/report/")
    form = phone.get_by_test_id("report")
    submit_unchecked(phone, form, "submit-report")
    assert_labels_pair_up(phone.get_by_test_id("report"), errors_at_least=2)

    # on a desk: the hazard's assignment, and a warning's draft
    desk = new_page(viewport={"width": 1280, "height": 900})
    log_in(desk, "township", demo.PASSWORD)
    desk.goto(f"/hazards/{hazard.number}/")
    form = desk.locator("#step-assign")
    form.locator("[name=funds]").fill("-3")
    submit_unchecked(desk, form, "step-assign")
    assert_labels_pair_up(desk.locator("#step-assign"), errors_at_least=2)

    desk = new_page(viewport={"width": 1280, "height": 900})
    log_in(desk, "county", demo.PASSWORD)
    desk.goto("/warnings/new/")
    form = desk.get_by_test_id("warning-form")
    submit_unchecked(desk, form, "save-warning")
    assert_labels_pair_up(desk.get_by_test_id("warning-form"), errors_at_least=2)
