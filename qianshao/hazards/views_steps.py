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

from qianshao.hazards import steps
from qianshao.hazards.access import Choices, access_hazard, visible_hazards
from qianshao.hazards.forms import STEP_FORMS, step_form
from qianshao.hazards.models import Step
from qianshao.hazards.permissions import check_may_take
from qianshao.hazards.views_detail import Failed, hazard_page
from qianshao.intake.pages import take
from qianshao.lib.errors import ActionError
from qianshao.lib.photos import read_photos


def _fields(user, hazard, step: str, data: dict) -> dict:
    """The form's cleaned data as the step table takes it (``steps.STEPS``)."""
    fields = dict(data)
    if step == Step.MERGE:
        fields["into"] = visible_hazards(user).filter(number=data["into"]).first()
        if fields["into"] is None:
            raise ActionError(_("找不到编号为 %(n)s 的隐患") % {"n": data["into"]}, "into")
    if step == Step.ASSIGN:
        on_cell = hasattr(data["assignee"], "path")
        fields["assignee_cell"] = data["assignee"] if on_cell else None
        fields["assignee_department"] = None if on_cell else data["assignee"]
    if "photos" in data:
        fields["photos"] = read_photos(data["photos"])
    return fields


@require_POST
def take_step(request, number, step):
    hazard = access_hazard(request.user, number)
    if step not in STEP_FORMS:
        raise Http404(step)
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
    user = request.user
    done, refusal = take(
        form,
        f"hazards.{step}",
        user,
        lambda: steps.take(user, hazard, step, _fields(user, hazard, step, data)),
        on=hazard,
    )
    if refusal:
        return hazard_page(request, number, Failed(step, form, refusal.message), refusal.status)
    messages.success(request, _("已%(step)s") % {"step": Step(step).label})
    return redirect("hazard", number=number)
