"""The duty desk's pages: the desk of a duty cell (who is on duty now, the check-in, the
handover with what is open, the duty log, spot checks, swaps), the month's roster and its
planning, a spot check's answers."""

import uuid
from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qianshao.grid.access import access_cell, cell_or_own, visible_ancestors
from qianshao.grid.scope import restrict
from qianshao.incidents import actions_duty
from qianshao.incidents import permissions_duty as rules_of
from qianshao.incidents.forms_duty import (
    DutyLogForm,
    HandoverForm,
    RosterForm,
    SpotForm,
    SwapForm,
    UuidForm,
)
from qianshao.incidents.models import (
    DutyEntry,
    EntryKind,
    Handover,
    Post,
    Shift,
    SpotAnswer,
    SpotCheck,
    Swap,
    SwapStatus,
    SwapStep,
)
from qianshao.intake.pages import take
from qianshao.lib.errors import NotFound

LOG_SHOWN = 50


def _duty_cell(user, code: str | None):
    """The duty cell asked for, or the nearest one at or above the user's own cell."""
    cell = cell_or_own(user, code)
    if code or actions_duty.keeps_roster(cell):
        return cell
    for above in reversed(visible_ancestors(user, cell)):
        if actions_duty.keeps_roster(above):
            return above
    return cell


def _new(form_class, **kwargs):
    return form_class(initial={"client_uuid": uuid.uuid4()} | kwargs.pop("initial", {}), **kwargs)


def desk(request, failed=None, status: int = 200, code: str | None = None):
    """值班台 of a duty cell."""
    user = request.user
    cell = _duty_cell(user, code or request.GET.get("cell"))
    now = timezone.now()
    shift = actions_duty.current_shift(cell.pk, now)
    following = actions_duty.next_shift(shift) if shift else None
    mine = shift is not None and rules_of.on_shift(user, shift)
    handover = Handover.objects.filter(shift=shift).first() if shift else None
    incoming = (
        Handover.objects.filter(to_shift=shift).select_related("written_by").first()
        if shift
        else None
    )
    items = actions_duty.open_items(cell)
    before = request.GET.get("before", "")
    log = restrict(DutyEntry.objects.filter(cell=cell), user).order_by("-id")
    if before.isdigit():
        log = log.filter(pk__lt=int(before))
    log = list(log[: LOG_SHOWN + 1])
    more = len(log) > LOG_SHOWN
    log = log[:LOG_SHOWN]
    me = rules_of.person_of(user)
    swaps = list(
        Swap.objects.filter(status=SwapStatus.PROPOSED, taker=me).select_related(
            "shift__cell", "giver"
        )
        if me
        else []
    )
    pending_spots = []
    if shift is not None:
        pending = SpotAnswer.objects.filter(shift=shift, answered_at__isnull=True)
        if not mine:  # a check's page opens to the people on duty it asks, else by scope
            pending = pending.filter(spot__in=restrict(SpotCheck.objects.all(), user).values("pk"))
        pending_spots = list(pending.select_related("spot__cell"))
    forms = {
        "log": _new(DutyLogForm, initial={"cell": cell.code}, auto_id="log-%s"),
        "handover": _new(
            HandoverForm,
            initial={"text": actions_duty.handover_text(items)},
            auto_id="handover-%s",
        ),
        "spot": _new(SpotForm, initial={"cell": cell.code}, auto_id="spot-%s"),
        "swap": _new(SwapForm, people=actions_duty.eligible_people(cell), auto_id="swap-%s"),
        "uuid": _new(UuidForm),
    }
    if failed:
        forms[failed[0]] = failed[1]
    context = {
        "cell": cell,
        "keeps": actions_duty.keeps_roster(cell),
        "ancestors": visible_ancestors(user, cell),
        "shift": shift,
        "following": following,
        "mine": mine,
        "may_confirm": shift is not None and (mine or rules_of.manages(user, shift.cell_path)),
        "handover": handover,
        "incoming": incoming,
        "may_accept": incoming is not None and incoming.accepted_at is None and mine,
        "items": items,
        "log": log,
        "more": log[-1].pk if more else None,
        "may_log": rules_of.log_refusal(user, cell.path, shift) is None,
        "may_spot": rules_of.spot_refusal(user, cell.path) is None
        and actions_duty.duty_cells(cell.path, strict=True).exists(),
        "spots": list(SpotCheck.objects.filter(cell=cell).order_by("-at", "-id")[:5]),
        "pending_spots": pending_spots,
        "swaps": swaps,
        "forms": forms,
        "failed": failed,
        "EntryKind": EntryKind,
    }
    return render(request, "incidents/duty/desk.html", context, status=status)


def _month(text: str | None) -> date:
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in (text or "").split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return today.replace(day=1)


def _days(first: date) -> list[date]:
    following = (first + timedelta(days=32)).replace(day=1)
    return [first + timedelta(days=k) for k in range((following - first).days)]


def roster(request, failed=None, status: int = 200):
    """排班表: a duty cell's month, and its planning form for those who may plan it."""
    user = request.user
    cell = _duty_cell(user, request.POST.get("cell") or request.GET.get("cell"))
    first = _month(request.POST.get("month") or request.GET.get("month"))
    setting = actions_duty.setting_of(cell)
    days = _days(first)
    shifts = {
        (s.day, s.part): s
        for s in Shift.objects.filter(
            cell=cell, day__gte=days[0], day__lte=days[-1]
        ).select_related("leader", "post_a", "post_b")
    }
    now = timezone.now()
    rows = []
    for day in days:
        for part, starts, ends in actions_duty.slots(setting, day):
            rows.append(
                {
                    "day": day,
                    "part": part,
                    "starts": starts,
                    "ends": ends,
                    "shift": shifts.get((day, part)),
                    "past": ends <= now,
                    "key": f"s-{day.isoformat()}-{part}",
                }
            )
    may_plan = (
        actions_duty.keeps_roster(cell, setting) and rules_of.plan_refusal(user, cell.path) is None
    )
    posted = request.POST if failed else {}
    for row in rows:
        s = row["shift"]
        row["chosen"] = {
            post: str(posted.get(f"{row['key']}-{post}", ""))
            if posted
            else (str(getattr(s, f"{actions_duty.POSTS[post]}_id") or "") if s else "")
            for post in ("leader", "a", "b")
        }
    context = {
        "cell": cell,
        "month": first,
        "previous": (first - timedelta(days=1)).replace(day=1),
        "next": (first + timedelta(days=32)).replace(day=1),
        "rows": rows,
        "people": actions_duty.eligible_people(cell) if may_plan else [],
        "may_plan": may_plan,
        "keeps": actions_duty.keeps_roster(cell, setting),
        "form": failed[1]
        if failed
        else _new(RosterForm, initial={"cell": cell.code, "month": f"{first:%Y-%m}"}),
        "failed": failed,
        "ancestors": visible_ancestors(user, cell),
        "posts": Post.choices,
    }
    return render(request, "incidents/duty/roster.html", context, status=status)


def _cell_from(user, code: str):
    try:
        return access_cell(user, code)
    except Http404:
        raise NotFound(_("网格不存在或不在您的辖区内"), "cell") from None


@require_POST
def plan(request):
    form = RosterForm(request.POST)
    if not form.is_valid():
        return roster(request, ("plan", form, _("请检查填写的内容")), 400)
    first = _month(form.cleaned_data["month"])
    rows = []
    for day in _days(first):
        for part in ("full", "day", "night"):
            key = f"s-{day.isoformat()}-{part}"
            if f"{key}-a" not in request.POST:
                continue
            row = {"day": day, "part": part}
            for post in ("leader", "a", "b"):
                raw = request.POST.get(f"{key}-{post}", "")
                row[post] = int(raw) if raw.isdigit() and len(raw) < 19 else (raw or None)
            rows.append(row)

    def act():  # the submission is kept on the cell whose roster it planned
        cell = _cell_from(request.user, form.cleaned_data["cell"])
        actions_duty.plan(request.user, cell, rows)
        return cell

    _done, refusal = take(form, "incidents.roster.plan", request.user, act)
    if refusal:
        return roster(request, ("plan", form, refusal.message), refusal.status)
    messages.success(request, _("排班已保存"))
    return redirect(f"{_url('duty-roster')}?cell={form.cleaned_data['cell']}&month={first:%Y-%m}")


@require_POST
def copy(request):
    form = RosterForm(request.POST)
    if not form.is_valid():
        return roster(request, ("plan", form, _("请检查填写的内容")), 400)
    first = _month(form.cleaned_data["month"])

    written = []

    def act():  # the submission is kept on the cell whose roster it copied
        cell = _cell_from(request.user, form.cleaned_data["cell"])
        written.append(actions_duty.copy_forward(request.user, cell, first))
        return cell

    _done, refusal = take(form, "incidents.roster.copy", request.user, act)
    if refusal:
        return roster(request, ("plan", form, refusal.message), refusal.status)
    messages.success(request, _("已沿用上月排班：%(n)s 个班次") % {"n": sum(written)})
    return redirect(f"{_url('duty-roster')}?cell={form.cleaned_data['cell']}&month={first:%Y-%m}")


def _url(name: str) -> str:
    return reverse(name)


def _shift(user, shift_id) -> Shift:
    found = restrict(Shift.objects.select_related("cell"), user).filter(pk=shift_id).first()
    if found is None:
        raise Http404(shift_id)
    return found


def _back(shift_or_cell) -> str:
    cell = getattr(shift_or_cell, "cell", shift_or_cell)
    return f"{_url('duty-desk')}?cell={cell.code}"


@require_POST
def confirm(request, shift_id):
    s = _shift(request.user, shift_id)
    form = UuidForm(request.POST)
    if not form.is_valid():
        return desk(request, ("uuid", form, _("请刷新页面")), 400, s.cell.code)
    _done, refusal = take(
        form,
        "incidents.shift.confirm",
        request.user,
        lambda: actions_duty.confirm(request.user, s),
        on=s,
    )
    if refusal:
        return desk(request, ("uuid", form, refusal.message), refusal.status, s.cell.code)
    messages.success(request, _("已确认在岗"))
    return redirect(_back(s))


@require_POST
def handover(request, shift_id):
    s = _shift(request.user, shift_id)
    form = HandoverForm(request.POST, auto_id="handover-%s")
    if not form.is_valid():
        return desk(request, ("handover", form, _("请检查填写的内容")), 400, s.cell.code)

    def act():
        return actions_duty.write_handover(request.user, s, text=form.cleaned_data["text"])

    _done, refusal = take(form, "incidents.handover.write", request.user, act, on=s)
    if refusal:
        return desk(request, ("handover", form, refusal.message), refusal.status, s.cell.code)
    messages.success(request, _("已交班，待接班人员确认"))
    return redirect(_back(s))


@require_POST
def accept(request, handover_id):
    h = (
        restrict(Handover.objects.select_related("shift__cell"), request.user)
        .filter(pk=handover_id)
        .first()
    )
    if h is None:
        raise Http404(handover_id)
    form = UuidForm(request.POST)
    code = h.shift.cell.code
    if not form.is_valid():
        return desk(request, ("uuid", form, _("请刷新页面")), 400, code)

    def act():
        return actions_duty.accept_handover(request.user, h)

    _done, refusal = take(form, "incidents.handover.accept", request.user, act, on=h)
    if refusal:
        return desk(request, ("uuid", form, refusal.message), refusal.status, code)
    messages.success(request, _("已确认接班"))
    return redirect(_back(h.shift))


@require_POST
def swap(request, shift_id):
    s = _shift(request.user, shift_id)
    people = actions_duty.eligible_people(s.cell)
    form = SwapForm(request.POST, people=people, auto_id="swap-%s")
    if not form.is_valid():
        return desk(request, ("swap", form, _("请检查填写的内容")), 400, s.cell.code)
    data = form.cleaned_data

    def act():
        return actions_duty.propose_swap(
            request.user,
            s,
            post=data["post"],
            taker=form.people.get(data["taker"]),
            note=data["note"],
        )

    _done, refusal = take(form, "incidents.swap.propose", request.user, act, on=s)
    if refusal:
        return desk(request, ("swap", form, refusal.message), refusal.status, s.cell.code)
    messages.success(request, _("换班申请已发出，待对方确认"))
    return redirect(_back(s))


@require_POST
def swap_step(request, swap_id, step):
    w = (
        restrict(Swap.objects.select_related("shift__cell"), request.user)
        .filter(pk=swap_id)
        .first()
    )
    me = rules_of.person_of(request.user)
    if w is None and me is not None:  # the taker answers a swap of another cell's roster
        w = Swap.objects.select_related("shift__cell").filter(pk=swap_id, taker=me).first()
    if w is None:
        raise Http404(swap_id)
    if step not in (SwapStep.ACCEPT, SwapStep.DECLINE, SwapStep.WITHDRAW):
        raise Http404(step)
    form = UuidForm(request.POST)
    code = w.shift.cell.code
    if not form.is_valid():
        return desk(request, ("uuid", form, _("请刷新页面")), 400, code)

    def act():
        return actions_duty.answer_swap(request.user, w, step)

    _done, refusal = take(form, f"incidents.swap.{step}", request.user, act, on=w)
    if refusal:
        return desk(request, ("uuid", form, refusal.message), refusal.status, code)
    messages.success(request, _("已%(s)s") % {"s": SwapStep(step).label})
    return redirect(_back(w.shift))


@require_POST
def spot(request):
    form = SpotForm(request.POST, auto_id="spot-%s")
    if not form.is_valid():
        return desk(request, ("spot", form, _("请检查填写的内容")), 400)

    def act():
        cell = _cell_from(request.user, form.cleaned_data["cell"])
        return actions_duty.spot_check(request.user, cell, note=form.cleaned_data["note"])

    check, refusal = take(form, "incidents.spot.check", request.user, act)
    if refusal:
        return desk(request, ("spot", form, refusal.message), refusal.status)
    messages.success(request, _("已发出查岗"))
    return redirect("duty-spot", spot_id=check.pk)


def spot_page(request, spot_id, failed=None, status: int = 200):
    """A spot check's answers: each level checked, who was on duty, answered when or not."""
    user = request.user
    check = restrict(SpotCheck.objects.select_related("cell"), user).filter(pk=spot_id).first()
    mine = []
    me = rules_of.person_of(user)
    answers = SpotAnswer.objects.filter(spot_id=spot_id).select_related(
        "cell", "answered_by", "shift__leader", "shift__post_a", "shift__post_b"
    )
    if check is None:
        # the people on duty at a level checked see the check they must answer
        if me is None:
            raise Http404(spot_id)
        own = [a for a in answers if a.shift is not None and me.pk in a.shift.person_ids()]
        if not own:
            raise Http404(spot_id)
        check = SpotCheck.objects.select_related("cell").get(pk=spot_id)
        answers = own
    else:
        answers = list(answers.order_by("cell_path"))
    for a in answers:
        a.mine = (
            a.answered_at is None
            and a.shift is not None
            and me is not None
            and me.pk in a.shift.person_ids()
        )
        if a.mine:
            mine.append(a)
    context = {
        "check": check,
        "answers": answers,
        "form": failed[1] if failed else _new(UuidForm),
        "failed": failed,
        "now": timezone.now(),
    }
    return render(request, "incidents/duty/spot.html", context, status=status)


@require_POST
def spot_answer(request, answer_id):
    me = rules_of.person_of(request.user)
    a = SpotAnswer.objects.select_related("shift").filter(pk=answer_id).first()
    seen = a is not None and (
        restrict(SpotAnswer.objects.filter(pk=answer_id), request.user).exists()
        or (me is not None and a.shift is not None and me.pk in a.shift.person_ids())
    )
    if not seen:
        raise Http404(answer_id)
    form = UuidForm(request.POST)
    if not form.is_valid():
        return spot_page(request, a.spot_id, ("uuid", form, _("请刷新页面")), 400)

    def act():
        return actions_duty.answer_spot(request.user, a)

    _done, refusal = take(form, "incidents.spot.answer", request.user, act, on=a)
    if refusal:
        return spot_page(request, a.spot_id, ("uuid", form, refusal.message), refusal.status)
    messages.success(request, _("已应答查岗"))
    return redirect("duty-spot", spot_id=a.spot_id)


@require_POST
def log(request):
    form = DutyLogForm(request.POST, auto_id="log-%s")
    if not form.is_valid():
        return desk(request, ("log", form, _("请检查填写的内容")), 400, request.POST.get("cell"))
    data = form.cleaned_data

    def act():
        cell = _cell_from(request.user, data["cell"])
        return actions_duty.log_duty(
            request.user,
            cell,
            kind=data["kind"],
            text=data["text"],
            caller=data["caller"],
            phone=data["phone"],
            passed_to=data["passed_to"],
            follows=data["follows"],
            corrects=data["corrects"],
        )

    code = data["cell"]
    entry, refusal = take(form, "incidents.duty.log", request.user, act)
    if refusal:
        return desk(request, ("log", form, refusal.message), refusal.status, code)
    messages.success(request, _("已记录"))
    return redirect(f"{_url('duty-desk')}?cell={code}#entry-{entry.pk}")
