"""What a warning's recipients are told, a chunk of deliveries at a time
(``notify.fanout``): a province's warning reaches 70,000 people, more than one transaction
should write. The issue and the chase write the deliveries (or find the silent ones) and
start the fan-out; the messages of the first chunk are queued at once, the rest by the
worker after commit.

- ``warnings.issue``: the warning, in-app and by SMS with the one-tap answer link;
- ``warnings.resend``: the chase's 催办 to those still silent when their chunk is written
  (by SMS, in-app when there is no SMS gateway);
- ``warnings.told``: a notice to every recipient (the warning was cancelled).
"""

from django.conf import settings
from django.db.models import CharField, F, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from qianshao.notify import fanout
from qianshao.notify.outbox import enqueue_query
from qianshao.warnings import links
from qianshao.warnings.models import Delivery, Warning


def inbox_link(number: str) -> str:
    """Where an in-app message of a warning leads: its phone page, answering as 站内消息."""
    return f"/m/warnings/{number}/?via=inbox"


def recipients(deliveries):
    """``deliveries`` as the rows ``notify.outbox.enqueue_query`` writes messages from:
    each recipient, their login, phone, one-tap link and the delivery's id."""
    return deliveries.values(
        to_person=F("person_id"),
        to_user=F("person__user_id"),
        to_phone=F("phone"),
        sms_link=Concat(Value(links.PREFIX), F("token"), output_field=CharField()),
        ref=F("pk"),
    )


def short(w: Warning) -> str:
    return (w.instruction or w.text)[:200]


def _chunk(warning_id: int, first: int, last: int):
    """The warning's deliveries with ids ``first``…``last`` (a range of the primary key)."""
    return Delivery.objects.filter(pk__range=(first, last), warning_id=warning_id).order_by("pk")


@fanout.writer("warnings.issue")
def issued(warning_id: int, first: int, last: int, params: dict) -> None:
    w = Warning.objects.get(pk=warning_id)
    enqueue_query(
        "warnings.issue",
        recipients(_chunk(warning_id, first, last)),
        subject=_("【%(level)s预警】%(h)s") % {"level": w.get_level_display(), "h": w.headline},
        body=_("%(text)s 请点击“立即叫应”，回复“已收到”。") % {"text": short(w)},
        sms_body=_("%(text)s 请立即点击链接回复“收到”（叫应）。") % {"text": short(w)},
        action=_("立即叫应"),
        link=inbox_link(w.number),
        payload={"warning": w.number, "level": w.level},
        ref_as="delivery",
        sms=True,
    )


@fanout.writer("warnings.resend")
def resent(warning_id: int, first: int, last: int, params: dict) -> None:
    """The warning again, to each recipient of the chunk still silent: by SMS (in-app
    when there is no SMS gateway)."""
    w = Warning.objects.get(pk=warning_id)
    sms = bool(settings.SMS_GATEWAY_URL)
    enqueue_query(
        "warnings.resend",
        recipients(_chunk(warning_id, first, last).filter(answered_at__isnull=True)),
        subject=_("【催办·请立即叫应】%(level)s预警：%(h)s")
        % {"level": w.get_level_display(), "h": w.headline},
        body=_("您尚未回复，请点击“立即叫应”，回复“已收到”。"),
        sms_body=_("您尚未回复，请点击链接回复“收到”。"),
        action=_("立即叫应"),
        link=inbox_link(w.number),
        payload={"warning": w.number, "level": w.level},
        ref_as="delivery",
        sms=sms,
        inapp=not sms,
    )


@fanout.writer("warnings.told")
def told(warning_id: int, first: int, last: int, params: dict) -> None:
    """``params``: the ``event``, ``subject`` and ``body`` every recipient is told."""
    number = Warning.objects.values_list("number", flat=True).get(pk=warning_id)
    enqueue_query(
        params["event"],
        recipients(_chunk(warning_id, first, last)),
        subject=params["subject"],
        body=params["body"],
        link=inbox_link(number),
        payload={"warning": number},
        sms=True,
    )
