"""The phone pages: report a hazard (隐患报告单), my reports, my tasks."""

from django.contrib import messages
from django.db.models import F
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from qianshao.grid.access import visible_cells
from qianshao.hazards import actions
from qianshao.hazards.access import MAX_CHOICES, visible_hazards
from qianshao.hazards.forms import ReportForm
from qianshao.hazards.permissions import allowed_steps, task_q
from qianshao.intake.pages import take
from qianshao.lib import keyset
from qianshao.lib.panels import origin
from qianshao.lib.photos import MAX_PHOTOS, read_photos

PAGE_SIZE = 20


def report(request):
    """隐患报告单. Opened from another area's record (``?origin=<kind>:<key>``, with the
    kind's own extras such as ``patrol``), it is prefilled from that record as the user sees
    it (``lib.panels.origin``), carries its photos and keeps the origin on the hazard."""
    cells = list(visible_cells(request.user).order_by("path")[:MAX_CHOICES])
    ref = request.GET.get("origin") or ""
    found = origin(request.user, ref, patrol=request.GET.get("patrol")) if ref else None
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        cells=cells,
        initial=_prefilled(found, cells) if found else None,
    )
    context = {"form": form, "origin": found}
    if request.method != "POST":
        return render(request, "hazards/m_report.html", context)
    if not form.is_valid():
        return render(request, "hazards/m_report.html", context, status=400)
    data = form.cleaned_data

    def report_it():
        hazard = actions.report(
            request.user,
            title=data["title"],
            description=data["description"],
            category=data["category"],
            grade=data["grade"],
            found_at=data["found_at"],
            cell=data["cell"],
            lon=data["lon"],
            lat=data["lat"],
            address=data["address"],
            stopped_on_spot=data["stopped_on_spot"],
            photo_files=read_photos(data["photos"]) + _their_photos(found),
            origin=ref if found else None,
        )
        if found and found.get("on_reported"):
            found["on_reported"](hazard.pk)
        return hazard

    hazard, refusal = take(form, "hazards.report", request.user, report_it)
    if refusal:
        return render(request, "hazards/m_report.html", context, status=refusal.status)
    messages.success(request, _("已上报，编号 %(n)s") % {"n": hazard.number})
    return redirect("hazard", number=hazard.number)


def _prefilled(found: dict, cells) -> dict:
    codes = {c.code for c in cells}
    initial = {k: found[k] for k in ("title", "description", "address") if found.get(k)}
    if found.get("cell") in codes:
        initial["cell"] = found["cell"]
    if found.get("lon") is not None and found.get("lat") is not None:
        initial["lon"], initial["lat"] = found["lon"], found["lat"]
    return initial


def _their_photos(found: dict | None) -> list[tuple[str, bytes]]:
    """The origin's stored photos, as (name, bytes) pairs to be cleaned like an upload."""
    photos = []
    for stored in (found or {}).get("photos", [])[:MAX_PHOTOS]:
        with stored.open("rb") as handle:
            photos.append((stored.name.rsplit("/", 1)[-1], handle.read()))
    return photos


def mine(request):
    hazards = visible_hazards(request.user).filter(reported_by=request.user)
    page = keyset.page(request, hazards.select_related("category", "cell"), PAGE_SIZE)
    return render(request, "hazards/m_mine.html", {"page": page})


def tasks(request):
    hazards = visible_hazards(request.user).filter(task_q(request.user))
    related = ("category", "cell", "responsible")
    hazards = hazards.select_related(*related).order_by(
        "-overdue", F("due_at").asc(nulls_last=True), "id"
    )  # the most pressing first
    page = keyset.page(request, hazards, PAGE_SIZE)
    rows = [(h, allowed_steps(request.user, h)) for h in page]
    return render(request, "hazards/m_tasks.html", {"page": page, "rows": rows})
