"""The supervision board (督办): overdue hazards first, then those falling due within a day,
and the supervision records with their answers."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qianshao.hazards import sweep as supervising
from qianshao.hazards.access import access_supervision, visible_hazards, visible_supervisions
from qianshao.hazards.forms import AnswerForm
from qianshao.hazards.models import OPEN
from qianshao.lib import keyset
from qianshao.lib.errors import ActionError

BOARD_SIZE = 50
SOON = timedelta(hours=24)


def board(request, failed=None, status=200):
    now = timezone.now()
    open_hazards = visible_hazards(request.user).filter(status__in=OPEN)
    related = ("category", "cell")
    overdue = open_hazards.filter(overdue=True).order_by("-supervision_level", "due_at", "id")
    soon = open_hazards.filter(overdue=False, due_at__lte=now + SOON).order_by("due_at", "id")
    records = supervising.open_first(visible_supervisions(request.user), "-id")
    page = keyset.page(request, records, BOARD_SIZE)
    rows = [(s, answer_form_for(request.user, s, failed)) for s in page]
    context = {
        "overdue": overdue.select_related(*related)[:BOARD_SIZE],
        "overdue_count": overdue.count(),
        "soon": soon.select_related(*related)[:BOARD_SIZE],
        "page": page,
        "rows": rows,
        "now": now,
        "failed": failed,
    }
    return render(request, "hazards/supervision.html", context, status=status)


def answer_form_for(user, record, failed):
    if record.answered_at or record.settled_at or not supervising.may_answer(user, record):
        return None
    if failed is not None and failed[0] == record.pk:
        return failed[1]
    return AnswerForm(auto_id=answer_ids(record))


def answer_ids(record) -> str:
    """Each row's answer form has its own element ids (the board shows many)."""
    return f"id_s{record.pk}_%s"


@require_POST
def answer(request, supervision_id):
    record = access_supervision(request.user, supervision_id)
    form = AnswerForm(request.POST, auto_id=answer_ids(record))
    if not form.is_valid():
        return board(request, (record.pk, form, _("请填写答复")), 400)
    try:
        supervising.answer(request.user, record, text=form.cleaned_data["answer"])
    except ActionError as exc:
        form.add_error("answer", exc.message)
        return board(request, (record.pk, form, exc.message), exc.status)
    messages.success(request, _("已答复督办"))
    return redirect("hazard-supervision")
