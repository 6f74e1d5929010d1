"""The ledger part's pages: the import of risk points (风险普查成果) with its template, and
the risk and hazard ledger (风险隐患台账) of a township as .xlsx."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from qianshao.grid.access import cell_or_own
from qianshao.lib import xlsx
from qianshao.lib.errors import ActionError
from qianshao.lib.tabular import ImportFailed
from qianshao.risks import importers, ledger, xlsx_ledger
from qianshao.risks.forms_ledger import ImportForm


def _cell(request):
    return cell_or_own(request.user, request.GET.get("cell"))


def point_import(request):
    """Risk points from a census file: every problem by row (or feature) and column and
    nothing written, or all of them registered in ``?cell=``'s subtree."""
    cell = _cell(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {
        "form": form,
        "cell": cell,
        "errors": [],
        "columns": importers.COLUMNS,
        "max_rows": importers.MAX_ROWS,
    }
    if request.method != "POST":
        return render(request, "risks/import.html", context)
    if not form.is_valid():
        return render(request, "risks/import.html", context, status=400)
    upload = form.cleaned_data["file"]
    try:
        made = importers.import_points(request.user, upload, upload.name, within=cell)
    except ImportFailed as exc:
        context["errors"] = exc.errors
        return render(request, "risks/import.html", context, status=400)
    messages.success(request, _("已导入 %(n)s 处风险点") % {"n": len(made)})
    return redirect(f"{reverse('risks-import')}?cell={cell.code}")


@require_GET
def import_template(request):
    """The .xlsx template of the import (its header, how to fill it in, the kinds)."""
    return xlsx.download(importers.template_workbook(), "风险点导入模板.xlsx")


@require_GET
def ledger_export(request) -> HttpResponse:
    """风险隐患台账 of a township (``?cell=``, or the user's own cell) as .xlsx; a county or
    above is refused (400 naming ``cell``): its ledgers are asked per township."""
    cell = _cell(request)
    try:
        found = ledger.build(request.user, cell)
    except ActionError as exc:
        return HttpResponse(
            exc.message, status=exc.status, content_type="text/plain; charset=utf-8"
        )
    book = xlsx_ledger.workbook(found)
    return xlsx.download(book, f"{cell.name}-风险隐患台账-{timezone.localdate():%Y%m%d}.xlsx")
