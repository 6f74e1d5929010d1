"""Every in-app message the areas write works in the inbox (issue 12): one that tells the
reader to tap something (点击, 链接, 按钮, 查看, 打开) carries a link that opens for its
recipient, and the button it names is the button the inbox shows; none speaks of a 链接,
which only the SMS has. Walked over everything the demo county's history writes — hazards
in every state, three warnings with their chase, a month of zero reports, two disasters."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from qianshao.notify.delivery import deliver
from qianshao.notify.models import InboxItem, Message

TELLS_TO_TAP = re.compile("点击|链接|按钮|查看|打开")
NAMED_BUTTON = re.compile("点击“([^”]+)”")


@pytest.mark.django_db
def test_every_in_app_message_of_the_demo_names_a_button_that_opens_for_its_recipient():
    call_command("demo", stdout=io.StringIO())
    for pk in Message.objects.filter(channel="inapp").values_list("pk", flat=True):
        deliver(pk)
    items = list(InboxItem.objects.select_related("user"))
    assert {i.event for i in items} >= {"warnings.issue", "warnings.chase", "hazards.report"}
    told_to_tap = [i for i in items if TELLS_TO_TAP.search(i.body)]
    assert told_to_tap, "the demo writes messages that tell the reader to tap"
    clients: dict[int, Client] = {}
    opened: set[tuple[int, str]] = set()
    for item in told_to_tap:
        where = (item.event, item.subject)
        assert "链接" not in item.body, where
        assert item.link.startswith("/"), where
        for named in NAMED_BUTTON.findall(item.body):
            assert named == item.button, where
        if (item.user_id, item.link) in opened:
            continue
        opened.add((item.user_id, item.link))
        client = clients.setdefault(item.user_id, Client())
        client.force_login(item.user, backend="qianshao.accounts.backends.UsernameOrPhoneBackend")
        assert client.get(item.link).status_code == 200, where
    # the inbox shows each message's button under the label its body names
    buttons = 0
    for client in clients.values():
        response = client.get("/inbox/?kind=warnings")
        html = response.content.decode()
        for item in response.context["page"]:
            button = re.search(f'/inbox/{item.pk}/read/".*?<button[^>]*>([^<]*)</button>', html)
            assert button and button[1] == item.button, (item.subject, item.button)
            buttons += item.action == "立即叫应"
    assert buttons, "the demo's unanswered warning shows its 立即叫应 button"
    resources_notices_open_and_are_filed_under_their_kind(items)


def resources_notices_open_and_are_filed_under_their_kind(items: list[InboxItem]) -> None:
    """The resources' notices of the demo (its sweeps'; its transfer's receivers hold no
    login): each link opens for its recipient, and the inbox's 应急资源 tab
    (``?kind=resources``) lists every one."""
    ours = [i for i in items if i.event.startswith("resources.")]
    events = {i.event for i in ours}
    assert events >= {
        "resources.expert_overdue",
        "resources.certificate_expiring",
        "resources.agreement_ending",
        "resources.supplies_expiry",
    }, events
    by_user: dict[int, list[InboxItem]] = {}
    for item in ours:
        by_user.setdefault(item.user_id, []).append(item)
    for items_of_one in by_user.values():
        client = Client()
        client.force_login(
            items_of_one[0].user, backend="qianshao.accounts.backends.UsernameOrPhoneBackend"
        )
        listed: set[int] = set()
        url = "/inbox/?kind=resources"
        while url:
            response = client.get(url)
            assert response.status_code == 200
            page = response.context["page"]
            listed |= {i.pk for i in page}
            url = f"/inbox/{page.next_url}" if page.has_next else ""
        for item in items_of_one:
            where = (item.event, item.subject, item.user.username)
            assert item.pk in listed, where
            if item.link:
                assert client.get(item.link).status_code == 200, (*where, item.link)


def test_every_event_the_resources_code_writes_is_filed_under_the_resources_kind():
    """Read from the code: the event of each notice the resources write (``Notice("…"`` or
    ``event="…"``) starts with ``resources.`` and so is 应急资源 in the inbox."""
    from pathlib import Path

    from qianshao.lib import panels

    written = re.compile(r'Notice\(\s*(?:event=)?f?"([^"]+)"|event=f?"([^"]+)"')
    events = set()
    for path in Path(panels.__file__).parents[1].joinpath("resources").glob("*.py"):
        for found in written.findall(path.read_text()):
            events.add(next(e for e in found if e))
    assert len(events) >= 8, events
    for event in events:
        assert event.startswith("resources."), event
        assert panels.kind_of(event.replace("{step}", "open")).name == "resources", event
