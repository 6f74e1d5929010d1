"""Taking a step of a hazard's loop from its page: one form and one action per step.

Every step form carries a client UUID and goes through the idempotent intake, so a resend
of the same form (a double click, a flaky phone) takes the step once and shows its result;
a second, separate submission of a step already taken meets the action's 409.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qianshao.hazards import actions
from qianshao.hazards.access import Choices, access_hazard, visible_hazards
from qianshao.hazards.forms import (
    AssignForm,
    EscalateForm,
    MergeForm,
    NoteForm,
    ProgressForm,
    ReasonForm,
    ResubmitForm,
    SubmitForm,
)
from qianshao.hazards.models import Step
from qianshao.hazards.permissions import check_may_take
from qianshao.hazards.views_detail import Failed, hazard_page
from qianshao.intake.pages import take
from qianshao.lib.errors import ActionError
from qianshao.lib.photos import read_photos


def _merge(user, hazard, data):
    target = visible_hazards(user).filter(number=data["into"]).first()
    if target is None:
        raise ActionError(_("找不到编号为 %(n)s 的隐患") % {"n": data["into"]}, "into")
    return actions.merge(user, hazard, into=target, note=data["note"])


def _assign(user, hazard, data):
    assignee = data["assignee"]
    on_cell = hasattr(assignee, "path")
    return actions.assign(
        user,
        hazard,
        measures=data["measures"],
        responsible=data["responsible"],
        deadline=data["deadline"],
        contingency=data["contingency"],
        funds=data["funds"],
        assignee_cell=assignee if on_cell else None,
        assignee_department=None if on_cell else assignee,
        note=data["note"],
    )


# step: (its form, how the action is called with the form's cleaned data)
STEPS = {
    Step.ACCEPT: (NoteForm, lambda u, h, d: actions.accept(u, h, note=d["note"])),
    Step.RETURN: (ReasonForm, lambda u, h, d: actions.return_report(u, h, reason=d["reason"])),
    Step.RESUBMIT: (
        ResubmitForm,
        lambda u, h, d: actions.resubmit(u, h, description=d["description"], note=d["note"]),
    ),
    Step.MERGE: (MergeForm, _merge),
    Step.ESCALATE: (
        EscalateForm,
        lambda u, h, d: actions.escalate(u, h, department=d["department"], note=d["note"]),
    ),
    Step.ASSIGN: (AssignForm, _assign),
    Step.START: (NoteForm, lambda u, h, d: actions.start(u, h, note=d["note"])),
    Step.PROGRESS: (
        ProgressForm,
        lambda u, h, d: actions.progress(
            u, h, note=d["note"], photo_files=read_photos(d["photos"])
        ),
    ),
    Step.SUBMIT: (
        SubmitForm,
        lambda u, h, d: actions.submit(u, h, note=d["note"], photo_files=read_photos(d["photos"])),
    ),
    Step.VERIFY: (NoteForm, lambda u, h, d: actions.verify(u, h, note=d["note"])),
    Step.REJECT: (ReasonForm, lambda u, h, d: actions.reject(u, h, reason=d["reason"])),
    Step.CLOSE: (NoteForm, lambda u, h, d: actions.close(u, h, note=d["note"])),
}


def step_form(step: str, *args, hazard, choices):
    """The form of ``step``; its element ids are the step's own (several share a page)."""
    return STEPS[step][0](*args, hazard=hazard, choices=choices, auto_id=f"{step}-%s")


@require_POST
def take_step(request, number, step):
    hazard = access_hazard(request.user, number)
    if step not in STEPS:
        raise Http404(step)
    act = STEPS[step][1]
    choices = Choices(request.user, hazard)
    try:
        check_may_take(request.user, hazard, step)  # the refusal before the form and its photos
    except ActionError as exc:
        blank = step_form(step, hazard=hazard, choices=choices)
        return hazard_page(request, number, Failed(step, blank, exc.message), exc.status)
    form = step_form(step, request.POST, request.FILES, hazard=hazard, choices=choices)
    if not form.is_valid():
        return hazard_page(request, number, Failed(step, form, _("请检查填写的内容")), 400)
    data = form.cleaned_data
    done, refusal = take(
        form, f"hazards.{step}", request.user, lambda: act(request.user, hazard, data), on=hazard
    )
    if refusal:
        return hazard_page(request, number, Failed(step, form, refusal.message), refusal.status)
    messages.success(request, _("已%(step)s") % {"step": Step(step).label})
    return redirect("hazard", number=number)
