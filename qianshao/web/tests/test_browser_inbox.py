"""The inbox by kind in a browser (issue 12): the township dispatcher's tabs count the unread
of each kind, a tab shows its kind, and reading the kind shown leaves the others unread; the
village member's warning message opens the answer page by its 立即叫应 button."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from qianshao.grid import actions as grid_actions
from qianshao.grid.models import Cell, Role
from qianshao.hazards import actions as hazard_actions
from qianshao.hazards.models import Domain
from qianshao.notify.delivery import deliver_due
from qianshao.notify.models import InboxItem
from qianshao.testing_browser import PHONE
from qianshao.warnings import actions as warning_actions
from qianshao.warnings.models import Level, WarningType
from qianshao.warnings.permissions import needs_approval
from qianshao.web.tests.test_browser_phone import assert_fits_the_phone

SICHENG, VILLAGE = "451027100", "451027100201"


def issue_to_sicheng(users):
    draft = warning_actions.draft(
        users["county"],
        type=WarningType.objects.get(code="rainstorm"),
        level=Level.YELLOW,
        headline="凌云县气象台发布暴雨黄色预警",
        text="预计未来6小时泗城镇降雨量将达50毫米以上。",
        instruction="转移低洼处群众，巡查地质灾害隐患点。",
        targets=[Cell.objects.get(code=SICHENG)],
        valid_until=timezone.now() + timedelta(hours=12),
    )
    if needs_approval(draft):
        draft = warning_actions.approve(users["admin"], draft, note="同意")
    return warning_actions.issue(users["county"], draft)


@pytest.fixture
def told(demo):
    """The demo grid, and messages of three kinds: a warning to 泗城镇, a hazard the village
    reports, and a second post for the township dispatcher."""
    import_module("qianshao.warnings.migrations.0002_defaults").seed(apps, None)
    users = {u.username: u for u in get_user_model().objects.all()}
    w = issue_to_sicheng(users)
    hazard_actions.report(
        users["village"],
        title="村口挡土墙开裂",
        description="挡土墙出现两条裂缝，雨后有渗水。",
        category=Domain.objects.order_by("pk").first(),
        cell=Cell.objects.get(code=VILLAGE),
    )
    township = users["township"].person
    grid_actions.assign_role(
        None, person=township, cell=Cell.objects.get(code=SICHENG), role=Role.INFORMANT
    )
    deliver_due()
    return w


@pytest.mark.browser
def test_a_dispatcher_reads_one_kind_and_a_member_answers_from_the_inbox(
    told, demo, new_page, log_in
):
    desk = new_page(viewport={"width": 1280, "height": 900})
    log_in(desk, "township", demo.PASSWORD)
    desk.goto("/inbox/")
    tabs = desk.get_by_test_id("inbox-kinds")
    expect(tabs.get_by_role("link", name="全部 (3)")).to_be_visible()
    expect(tabs.get_by_role("link", name="预警叫应 (1)")).to_be_visible()
    expect(tabs.get_by_role("link", name="隐患 (1)")).to_be_visible()
    expect(tabs.get_by_role("link", name="网格/名册 (1)")).to_be_visible()
    items = desk.get_by_test_id("inbox-item")
    expect(items).to_have_count(3)

    tabs.get_by_role("link", name="预警叫应 (1)").click()
    desk.wait_for_url("**/inbox/?kind=warnings")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("暴雨黄色预警")
    expect(items.first.get_by_role("button", name="立即叫应")).to_be_visible()

    desk.get_by_role("button", name="将“预警叫应”全部标为已读").click()
    desk.wait_for_url("**/inbox/?kind=warnings")
    expect(items.first).not_to_contain_text("未读")
    expect(tabs.get_by_role("link", name="全部 (2)")).to_be_visible()
    expect(tabs.get_by_role("link", name="预警叫应", exact=True)).to_be_visible()
    township = get_user_model().objects.get(username="township")
    unread = InboxItem.objects.filter(user=township, read_at__isnull=True)
    assert sorted(unread.values_list("event", flat=True)) == [
        "grid.role_assigned",
        "hazards.report",
    ]

    phone = new_page(**PHONE)
    log_in(phone, "village", demo.PASSWORD)
    phone.goto("/inbox/?kind=warnings")
    assert_fits_the_phone(phone)
    message = phone.get_by_test_id("inbox-item").first
    expect(message).to_contain_text("请点击“立即叫应”，回复“已收到”")
    expect(message).not_to_contain_text("链接")
    message.get_by_role("button", name="立即叫应").tap()
    phone.wait_for_url(f"**/m/warnings/{told.number}/?via=inbox")
    phone.get_by_test_id("answer-received").tap()
    expect(phone.get_by_test_id("answered")).to_contain_text("已收到")
