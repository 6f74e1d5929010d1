"""The phone's zero report: today's status of each of my reporting cells and, for those not
yet reported, one tap — "no disaster" — or "see my disaster report"; and the correction of
a report filed."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qianshao.disasters import actions, permissions, schedule
from qianshao.disasters.access import access_zero_report, visible_disasters, visible_zero_reports
from qianshao.disasters.forms import CorrectForm, ZeroForm
from qianshao.disasters.models import ZeroKind
from qianshao.disasters.views import calendar_page
from qianshao.grid.access import access_cell
from qianshao.intake.pages import take


def zero(request, error: str = "", status: int = 200):
    day = schedule.today()
    cells = permissions.filing_cells(request.user)
    filed = {
        z.cell_id: z
        for z in visible_zero_reports(request.user)
        .filter(cell__in=cells, day=day)
        .select_related("reporter", "disaster")
    }
    disasters = visible_disasters(request.user).filter(cell__in=cells).order_by("-started_at")[:20]
    # hidden fields only, in up to two forms a cell: no element ids to repeat
    rows = [
        (cell, filed.get(cell.pk), ZeroForm(initial={"cell": cell.code}, auto_id=False))
        for cell in cells
    ]
    context = {
        "day": day,
        "deadline": schedule.deadline_label(),
        "rows": rows,
        "disasters": disasters,
        "error": error,
    }
    return render(request, "disasters/m_zero.html", context, status=status)


@require_POST
def file_zero(request):
    form = ZeroForm(request.POST)
    if not form.is_valid():
        return zero(request, _("请刷新页面后重试"), 400)
    data = form.cleaned_data
    cell = access_cell(request.user, data["cell"].strip().upper())
    disaster = None
    if data["kind"] == ZeroKind.DISASTER:
        number = request.POST.get("disaster", "").strip().upper()
        disaster = visible_disasters(request.user).filter(number=number, cell=cell).first()

    def act():
        return actions.file_zero(request.user, cell=cell, kind=data["kind"], disaster=disaster)

    _done, refusal = take(form, "disasters.zero", request.user, act)
    if refusal:
        return zero(request, refusal.message, refusal.status)
    messages.success(request, _("%(cell)s 今日零报告已报送") % {"cell": cell.name})
    return redirect("zero")


@require_POST
def correct(request, report_id):
    """更正 from the cell's calendar (whose ``cell`` and ``month`` the form's address keeps)."""
    z = access_zero_report(request.user, report_id)
    form = CorrectForm(request.POST)
    if not form.is_valid():
        named = "；".join(
            f"{form.fields[name].label}：{' '.join(errors)}"
            for name, errors in form.errors.items()
            if name in form.fields
        )
        return calendar_page(request, named or _("请填写更正内容和原因"), 400)
    data = form.cleaned_data
    disaster = None
    if data["disaster"]:
        number = data["disaster"].strip().upper()
        disaster = visible_disasters(request.user).filter(number=number).first()
        if disaster is None:
            return calendar_page(request, _("找不到编号为 %(n)s 的灾情报告") % {"n": number}, 404)

    def act():
        return actions.correct_zero(
            request.user, z, kind=data["kind"], disaster=disaster, reason=data["reason"]
        )

    _done, refusal = take(form, "disasters.correct_zero", request.user, act)
    if refusal:
        return calendar_page(request, refusal.message, refusal.status)
    messages.success(request, _("零报告已更正"))
    return redirect(f"/disasters/calendar/?cell={z.cell.code}&month={z.day:%Y-%m}")
