"""What a warning's messages tell the reader to tap is there in each channel (issue 12): the
SMS says 点击链接 and carries the one-tap link; the in-app message names its button,
立即叫应, which opens the page where the recipient answers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from qianshao.notify.delivery import deliver
from qianshao.notify.models import InboxItem, Message
from qianshao.warnings import sweep
from qianshao.warnings.models import Delivery

GATEWAY = "http://127.0.0.1:9/sms"  # set, so SMS are queued; never delivered here


def delivered_inapp(event: str, person) -> InboxItem:
    message = Message.objects.get(event=event, channel="inapp", person=person)
    deliver(message.pk)
    return InboxItem.objects.get(message=message)


def assert_names_its_button_that_opens_the_answer_page(item, client_for, user):
    assert item.action == "立即叫应"
    assert "点击“立即叫应”" in item.body
    assert "链接" not in item.body  # an in-app message has a button, not a link
    page = client_for(user).get(item.link)
    assert page.status_code == 200
    assert 'data-testid="answer-received"' in page.content.decode()
    inbox = client_for(user).get("/inbox/").content.decode()
    assert ">立即叫应</button>" in inbox


@pytest.mark.django_db
def test_an_issued_warning_names_the_in_app_button_and_keeps_the_link_in_the_sms(
    cast, issued, client_for, settings
):
    settings.SMS_GATEWAY_URL = GATEWAY
    w = issued()
    village = cast.people["village"]
    sms = Message.objects.get(event="warnings.issue", channel="sms", person=village)
    assert "请立即点击链接回复“收到”" in sms.body
    assert sms.link.startswith("/w/") and sms.action == ""
    item = delivered_inapp("warnings.issue", village)
    assert item.body.startswith(w.instruction)
    assert_names_its_button_that_opens_the_answer_page(item, client_for, cast.users["village"])


@pytest.mark.django_db
def test_the_resend_names_the_in_app_button_when_there_is_no_sms(
    cast, issued, client_for, settings
):
    settings.SMS_GATEWAY_URL = ""
    w = issued()
    due = Delivery.objects.filter(warning=w).values_list("due_at", flat=True).first()
    sweep.sweep(max(due, timezone.now()) + timedelta(minutes=1))
    item = delivered_inapp("warnings.resend", cast.people["village"])
    assert "您尚未回复" in item.body
    assert_names_its_button_that_opens_the_answer_page(item, client_for, cast.users["village"])


@pytest.mark.django_db
def test_the_resend_by_sms_says_tap_the_link(cast, issued, settings):
    settings.SMS_GATEWAY_URL = GATEWAY
    w = issued()
    due = Delivery.objects.filter(warning=w).values_list("due_at", flat=True).first()
    sweep.sweep(max(due, timezone.now()) + timedelta(minutes=1))
    sms = Message.objects.get(event="warnings.resend", channel="sms", person=cast.people["village"])
    assert sms.body == "您尚未回复，请点击链接回复“收到”。"
    assert sms.link.startswith("/w/")
