"""Warning pages for staff: the list, a new warning and editing a draft (targets chosen
as a tree or on the map, text from the type and level's template), a warning's page with
the steps the user may take (提交审核, 退回修改, 审核, 发布, 解除), a new version (更新)
and relaying (转发)."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qianshao.audit.timeline import Event
from qianshao.audit.timeline import timeline as audit_timeline
from qianshao.grid import tree
from qianshao.grid.access import visible_cells
from qianshao.grid.maps import boundary_features
from qianshao.grid.posts import overseeing_posts, people_labels
from qianshao.intake.pages import take
from qianshao.lib import keyset
from qianshao.lib.geojson import collection
from qianshao.lib.panels import following
from qianshao.warnings import actions, audience, board, steps
from qianshao.warnings.access import access_warning, visible_deliveries, visible_warnings
from qianshao.warnings.forms import (
    IntakeForm,
    NoteForm,
    ReasonForm,
    RelayForm,
    ReturnForm,
    SubmitForm,
    WarningForm,
)
from qianshao.warnings.models import FLOW, PENDING, Level, Status, Step, WarningTemplate
from qianshao.warnings.permissions import (
    NO_ISSUING_POST,
    UNAPPROVED,
    allowed_steps,
    approval_reason,
    approval_share,
    lacks_issuing_post,
    refusal,
    relay_cells,
)

PAGE_SIZE = 20
MAX_CELLS = 600
LIFE = ("warnings.draft", "warnings.edit", "warnings.submit", "warnings.return")
LIFE += ("warnings.approve", "warnings.issue", "warnings.update")
LIFE += ("warnings.cancel", "warnings.expire", "warnings.relay", "warnings.chase")


def warning_list(request):
    found = visible_warnings(request.user).select_related("type", "cell")
    status, level = request.GET.get("status", ""), request.GET.get("level", "")
    if status in Status.values:
        found = found.filter(status=status)
    if level in Level.values:
        found = found.filter(level=level)
    mine = visible_deliveries(request.user).filter(warning=OuterRef("pk")).order_by()
    counted = mine.values("warning").annotate(n=Count("id")).values("n")
    answered = mine.filter(answered_at__isnull=False).values("warning")
    answered = answered.annotate(n=Count("id")).values("n")
    found = found.annotate(
        seen=Subquery(counted, output_field=IntegerField()),
        seen_answered=Subquery(answered, output_field=IntegerField()),
    )
    page = keyset.page(request, found.order_by("-created_at", "-id"), PAGE_SIZE)
    context = {
        "page": page,
        "status": status,
        "level": level,
        "statuses": Status.choices,
        "levels": Level.choices,
    }
    return render(request, "warnings/list.html", context)


def issuing_cells(user) -> list:
    """The cells a user may target: under each of their issuing posts, two levels deep."""
    roots = [p.cell for p in overseeing_posts(user)]
    if user.is_superuser:
        roots = list(visible_cells(user).filter(parent=None))
    within = Q(pk__in=[])
    for root in roots:
        within |= tree.subtree_q(root.path) & Q(level__lte=root.level + 2)
    return list(_cells(user).filter(within).order_by("path")[:MAX_CELLS])


def _cells(user):
    return visible_cells(user).defer("boundary")


# --- drafting: the form's targets as a tree and a map, its text from a template ---------


def target_tree(cells: list, checked: set[int]) -> list[dict]:
    """``cells`` (in path order) as nested nodes — each ``{"cell", "checked", "children"}``
    under the nearest offered ancestor — for the targets' tree."""
    roots: list[dict] = []
    stack: list[dict] = []
    for cell in cells:
        node = {"cell": cell, "checked": cell.pk in checked, "children": []}
        while stack and not tree.is_within(cell.path, stack[-1]["cell"].path):
            stack.pop()
        (stack[-1]["children"] if stack else roots).append(node)
        stack.append(node)
    return roots


def target_map(user, cells: list) -> dict:
    """The offered cells with no offered cell below them, on their boundaries: clicking one
    on the form's map ticks its box in the tree."""
    paths = [c.path for c in cells]
    leaves = [
        c
        for i, c in enumerate(cells)
        if not (i + 1 < len(paths) and tree.is_within(paths[i + 1], c.path))
    ]
    items = [(c.pk, {"id": c.pk, "code": c.code, "name": c.name}) for c in leaves]
    return collection(boundary_features(user, items))


def templates() -> list[dict]:
    """The active message templates, for the form to fill its text from (type and level)."""
    return [
        {
            "type": t.type_id,
            "level": t.level,
            "headline": t.headline,
            "text": t.text,
            "instruction": t.instruction,
        }
        for t in WarningTemplate.objects.filter(active=True, type__active=True)
    ]


def _plain_number(text: str) -> bool:
    """An id as a query or form sends it: ASCII digits, short ("²" is a digit to
    ``isdigit`` and not to ``int``)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def template_initial(params) -> dict:
    """The new form's text from the template of ``?type=`` (its id) and ``?level=``, as
    far as one is kept: the form works without scripts too."""
    type_id, level = params.get("type", ""), params.get("level", "")
    if not _plain_number(type_id) or level not in Level.values:
        return {}
    found = WarningTemplate.objects.filter(active=True, type_id=int(type_id), level=level).first()
    if found is None:
        return {"type": int(type_id), "level": level}
    fields = {"headline": found.headline, "text": found.text, "instruction": found.instruction}
    return {"type": int(type_id), "level": level} | fields


def _form_page(request, form, cells, context: dict, status: int = 200):
    """The new/edit/revise form with its targets' tree and map."""
    value = form["targets"].value() or []
    checked = {int(v) for v in value if _plain_number(str(v))}
    context = context | {
        "form": form,
        "tree": target_tree(cells, checked),
        "map_data": target_map(request.user, cells),
        "templates": templates(),
    }
    return render(request, "warnings/new.html", context, status=status)


def warning_new(request):
    if lacks_issuing_post(request.user):
        raise PermissionDenied(NO_ISSUING_POST)
    cells = issuing_cells(request.user)
    initial = template_initial(request.GET)
    form = WarningForm(request.POST or None, cells=cells, initial=initial)
    if request.method != "POST":
        return _form_page(request, form, cells, {})
    if not form.is_valid():
        return _form_page(request, form, cells, {}, 400)
    data = form.cleaned_data

    def make():
        return actions.draft(
            request.user,
            type=data["type"],
            level=data["level"],
            headline=data["headline"],
            text=data["text"],
            instruction=data["instruction"],
            targets=list(data["targets"]),
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            sender_name=data["sender_name"],
        )

    w, refused = take(form, "warnings.draft", request.user, make)
    if refused:
        return _form_page(request, form, cells, {}, refused.status)
    messages.success(request, _("预警已存为草稿，编号 %(n)s") % {"n": w.number})
    return redirect("warning", warning_number=w.number)


# --- a warning's page -------------------------------------------------------------------

STEP_FORMS = {
    Step.SUBMIT: SubmitForm,
    Step.RETURN: ReturnForm,
    Step.APPROVE: NoteForm,
    Step.ISSUE: IntakeForm,
    Step.CANCEL: ReasonForm,
}


@dataclass
class Failed:
    step: str
    form: object
    message: str


def warning_page(request, warning_number, failed: Failed | None = None, status: int = 200):
    w = access_warning(request.user, warning_number)
    forms = []
    for step in allowed_steps(request.user, w):
        if step in STEP_FORMS:
            form = failed.form if failed and failed.step == step else None
            forms.append((Step(step), form or STEP_FORMS[step](auto_id=f"{step}-%s")))
    relay_to = relay_cells(request.user, w) if w.status == Status.ISSUED else []
    relay_form = None
    if relay_to:
        cells = _relay_choices(request.user, relay_to)
        relay_form = failed.form if failed and failed.step == "relay" else RelayForm(cells=cells)
    root = board.root_for(request.user, w)
    context = {
        "warning": w,
        "step_forms": forms,
        "relay_form": relay_form,
        "failed": failed,
        "may_revise": Step.UPDATE in allowed_steps(request.user, w),
        "may_edit": Step.EDIT in allowed_steps(request.user, w),
        "targets": [t.cell for t in w.targets.select_related("cell")],
        "summary": board.board(request.user, w, root).total if root else None,
        "timeline": timeline(w),
        "relays": visible_warnings(request.user).filter(parent=w).select_related("cell"),
        "newer": visible_warnings(request.user).filter(replaces=w).order_by("-created_at").first(),
        "approval_note": _approval_note(w),
        "reach": _reach(request.user, w),
        "following": following(request.user, f"warnings.warning:{w.number}"),
    }
    return render(request, "warnings/detail.html", context, status=status)


def _reach(user, w):
    """Before issue: who issuing it now would reach, by channel (``audience``)."""
    if w.status not in PENDING:
        return None
    issuer = user if Step.ISSUE in allowed_steps(user, w) else None
    return audience.reach(w, issuer)


def _approval_note(w) -> str:
    """Why the draft waits for a second person, or nothing."""
    share = approval_share(w) if w.status in UNAPPROVED else None
    return approval_reason(w, share) if share else ""


def timeline(w) -> list[Event]:
    """The warning's life from the audit chain, oldest first (answers are on the board)."""
    labels = {
        "warnings.draft": _("起草"),
        "warnings.edit": _("修改"),
        "warnings.submit": _("提交审核"),
        "warnings.return": _("退回修改"),
        "warnings.approve": _("审核"),
        "warnings.issue": _("发布"),
        "warnings.update": _("已更新为新版本"),
        "warnings.cancel": _("解除"),
        "warnings.expire": _("到期"),
        "warnings.relay": _("转发"),
        "warnings.chase": _("催办未叫应人员"),
    }

    def describe(record, after: dict) -> dict:
        if record.action == "warnings.issue":
            return {"note": _("%(n)s 人应叫应") % {"n": after.get("recipients", 0)}}
        if record.action == "warnings.chase":
            note = _("第 %(level)s 级，%(n)s 人，通知 %(cells)s") % {
                "level": after.get("level"),
                "n": after.get("late", 0),
                "cells": "、".join(after.get("told") or []),
            }
            return {"note": note}
        return {}

    return audit_timeline(w, labels, actions=LIFE, describe=describe, actors=people_labels)


def _relay_choices(user, roots) -> list:
    within = Q(pk__in=[])
    for root in roots:
        within |= tree.subtree_q(root.path) & Q(level__lte=root.level + 1)
    return list(_cells(user).filter(within).order_by("path")[:MAX_CELLS])


@require_POST
def take_step(request, warning_number, step):
    w = access_warning(request.user, warning_number)
    if step not in STEP_FORMS:
        raise Http404(step)
    form = STEP_FORMS[step](request.POST, auto_id=f"{step}-%s")
    if not form.is_valid():
        return warning_page(request, warning_number, Failed(step, form, _("请检查填写的内容")), 400)
    data = form.cleaned_data
    user = request.user

    def act():
        return steps.take(user, w, step, data)

    done, refused = take(form, f"warnings.{step}", user, act, on=w)
    if refused:
        failed = Failed(step, form, refused.message)
        return warning_page(request, warning_number, failed, refused.status)
    if step == Step.APPROVE and getattr(done, "status", None) == Status.ISSUED:
        messages.success(request, _("已审核并发布"))  # its author asked that approval issue it
    else:
        messages.success(request, _("已%(step)s") % {"step": Step(step).label})
    return redirect("warning", warning_number=warning_number)


@require_POST
def relay(request, warning_number):
    w = access_warning(request.user, warning_number)
    roots = relay_cells(request.user, w)
    if not roots:  # they see it (scope) but may not relay it
        lacking = lacks_issuing_post(request.user)
        raise PermissionDenied(NO_ISSUING_POST if lacking else _("您无权转发该预警"))
    form = RelayForm(request.POST, cells=_relay_choices(request.user, roots))
    if not form.is_valid():
        failed = Failed("relay", form, _("请检查填写的内容"))
        return warning_page(request, warning_number, failed, 400)
    data = form.cleaned_data

    def act():
        return actions.relay(
            request.user, w, targets=list(data["targets"]), instruction=data["instruction"]
        )

    new, refused = take(form, "warnings.relay", request.user, act, on=w)
    if refused:
        failed = Failed("relay", form, refused.message)
        return warning_page(request, warning_number, failed, refused.status)
    messages.success(request, _("已转发，编号 %(n)s") % {"n": new.number})
    return redirect("warning", warning_number=new.number)


FORM_FIELDS = ("type", "level", "headline", "text", "instruction", "valid_from", "valid_until")


def _prefilled(w, targets: list) -> dict:
    """The new warning's form filled from ``w`` (an update's or an edit's starting point)."""
    initial = {name: getattr(w, name) for name in FORM_FIELDS}
    return initial | {"targets": [t.pk for t in targets], "sender_name": w.sender_name}


def _posted(data: dict) -> dict:
    """The form's cleaned fields as the actions take them."""
    return {name: data[name] for name in FORM_FIELDS} | {
        "targets": list(data["targets"]),
        "sender_name": data["sender_name"],
    }


def revise(request, warning_number):
    """更新: a new version of an issued warning, as a draft prefilled from this one."""
    w = access_warning(request.user, warning_number)
    reason = refusal(request.user, w, Step.UPDATE)
    if reason:  # they see it (scope) but may not update it: say why
        raise PermissionDenied(reason)
    cells = issuing_cells(request.user)
    initial = _prefilled(w, [t.cell for t in w.targets.select_related("cell")])
    form = WarningForm(request.POST or None, cells=cells, initial=initial)
    context = {"revising": w}
    if request.method != "POST":
        return _form_page(request, form, cells, context)
    if not form.is_valid():
        return _form_page(request, form, cells, context, 400)
    data = form.cleaned_data
    fields = _posted(data)
    fields["valid_from"] = fields["valid_from"] or w.valid_from

    def make():
        return actions.revise(request.user, w, **fields)

    new, refused = take(form, "warnings.revise", request.user, make, on=w)
    if refused:
        return _form_page(request, form, cells, context, refused.status)
    messages.success(request, _("更新已存为草稿，发布后原预警即标记为已更新"))
    return redirect("warning", warning_number=new.number)


def edit(request, warning_number):
    """修改: a draft's every field, on the new warning's form prefilled; 409 once submitted
    for approval (until sent back) or later, 403 for who may not edit it."""
    w = access_warning(request.user, warning_number)
    state = FLOW.state_refusal(w, Step.EDIT)
    if state:
        return warning_page(request, warning_number, Failed("edit", None, state), 409)
    reason = refusal(request.user, w, Step.EDIT)
    if reason:
        raise PermissionDenied(reason)
    targets = [t.cell for t in w.targets.select_related("cell")]
    cells = issuing_cells(request.user)
    offered = {c.pk for c in cells}
    cells = sorted(cells + [t for t in targets if t.pk not in offered], key=lambda c: c.path)
    form = WarningForm(request.POST or None, cells=cells, initial=_prefilled(w, targets))
    context = {"editing": w}
    if request.method != "POST":
        return _form_page(request, form, cells, context)
    if not form.is_valid():
        return _form_page(request, form, cells, context, 400)
    fields = _posted(form.cleaned_data)

    def act():
        return actions.edit(request.user, w, **fields)

    _done, refused = take(form, "warnings.edit", request.user, act, on=w)
    if refused:
        return _form_page(request, form, cells, context, refused.status)
    messages.success(request, _("草稿已修改"))
    return redirect("warning", warning_number=warning_number)
