"""叫应 on the phone: the warnings sent to me, one warning with its answer buttons, and the
one-tap link from the SMS, which needs no login (the signed token names the delivery)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.intake.pages import take
from qianshao.lib import keyset
from qianshao.warnings import actions, links, relayed
from qianshao.warnings.access import my_deliveries
from qianshao.warnings.forms import AnswerForm
from qianshao.warnings.models import ENDED, Answer, Channel, Delivery, Source, open_answers

PAGE_SIZE = 20


def mine(request):
    found = my_deliveries(request.user).select_related("warning", "warning__type")
    # a delivery's own time is its warning's issue (``api.list_my_deliveries``)
    found = found.order_by(F("answered_at").asc(nulls_first=True), "-created_at", "-id")
    page = keyset.page(request, found, PAGE_SIZE)
    return render(request, "warnings/m_mine.html", {"page": page})


def _mine_for(user, number: str) -> Delivery:
    delivery = (
        my_deliveries(user)
        .select_related("warning", "warning__type", "person", "cell")
        .filter(warning__number=number)
        .first()
    )
    if delivery is None:
        raise Http404(number)
    return delivery


def next_answers(delivery: Delivery) -> list[str]:
    """The answers still open to the recipient, in order: 已收到 alone until it is given
    (none once the warning ended)."""
    if not delivery.warning.is_active:
        return []
    return open_answers(delivery.answer)


def _page(request, delivery, template, *, error="", status=200, token=""):
    w = delivery.warning
    context = {
        "delivery": delivery,
        "warning": w,
        # a relay's own delivery (someone new in its targets): the warning it passes on,
        # whose 防御指引 comes first, the relay's being an addition to it
        "original": w.parent if w.source == Source.RELAY and w.parent_id else None,
        # the added instructions of the relays whose targets hold the recipient
        "relays": relayed.reaching(delivery),
        # each button its own client UUID: a resend of one answer never stands for another
        "answers": [(Answer(a), uuid.uuid4()) for a in next_answers(delivery)],
        "error": error,
        "token": token,
        "via": request.GET.get("via") or request.POST.get("via") or "",
    }
    return render(request, template, context, status=status)


def answer_page(request, warning_number):
    """One warning sent to me, with the answers I can still give."""
    delivery = _mine_for(request.user, warning_number)
    if request.method != "POST":
        return _page(request, delivery, "warnings/m_answer.html")
    via = Channel.INBOX if request.POST.get("via") == Channel.INBOX else Channel.PHONE
    return _answer(request, delivery, request.user, via, "warnings/m_answer.html")


def _answer(request, delivery, user, via, template, token=""):
    form = AnswerForm(request.POST)
    if not form.is_valid():
        error = _("请检查填写的内容")
        return _page(request, delivery, template, error=error, status=400, token=token)
    data = form.cleaned_data

    def act():
        return actions.answer(
            user,
            delivery,
            answer=data["answer"],
            via=via,
            note=data["note"],
            evacuated=data["evacuated"],
        )

    _done, refusal = take(form, f"warnings.answer.{data['answer']}", user, act, on=delivery)
    if refusal:
        delivery.refresh_from_db()
        error, status = refusal.message, refusal.status
        return _page(request, delivery, template, error=error, status=status, token=token)
    messages.success(request, _("已回复：%(a)s") % {"a": Answer(data["answer"]).label})
    if token:
        return redirect("warning-link", answer_token=token)
    return redirect("warning-answer", warning_number=delivery.warning.number)


def _by_token(token: str) -> Delivery | None:
    """The delivery a token names, or None for a forged, altered or cut-short one."""
    delivery_id = links.delivery_id_of(token)
    if not delivery_id:
        return None
    return (
        Delivery.objects.select_related("warning", "warning__type", "person", "cell")
        .filter(pk=delivery_id)
        .first()
    )


def _gone(request, title: str, reason: str, status: int):
    """A link that answers nothing, said plainly: nothing of any warning is shown."""
    return render(
        request, "warnings/link_gone.html", {"title": title, "reason": reason}, status=status
    )


@login_not_required
def link_page(request, answer_token):
    """The one-tap link of an SMS: the warning and its answer buttons, no login needed.
    Opening it changes nothing (link checkers open links too); a tap answers. A link that
    names no delivery is a 404, one whose warning has ended a 409: each a page that says
    so and shows nothing of the warning."""
    token = answer_token
    delivery = _by_token(token)
    if delivery is None:
        reason = _("该链接无效或已过期，请核对短信中的完整链接。")
        return _gone(request, _("链接无效"), reason, 404)
    w = delivery.warning
    if w.status in ENDED or w.valid_until <= timezone.now():
        reason = _("该预警已结束，此链接已失效，无需再回复。")
        return _gone(request, _("链接已失效"), reason, 409)
    if request.method != "POST":
        return _page(request, delivery, "warnings/link.html", token=token)
    return _answer(request, delivery, None, Channel.LINK, "warnings/link.html", token=token)
