"""举报 pages: the public's report form and tracking pages (no login), and the staff's list,
triage (转为隐患 / 不予受理) and rewards (举报奖励)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qianshao.grid import routing
from qianshao.grid.access import visible_cells
from qianshao.grid.models import TOWNSHIP_KINDS, Cell
from qianshao.hazards import public as actions
from qianshao.hazards.access_public import (
    access_public_report,
    visible_public_reports,
    visible_rewards,
)
from qianshao.hazards.forms_public import (
    AcceptForm,
    ListForm,
    PublicReportForm,
    RejectForm,
    RewardForm,
    TrackForm,
)
from qianshao.hazards.models import (
    PUBLIC_FLOW,
    REWARD_FLOW,
    PublicStatus,
    PublicStep,
    RewardStatus,
    RewardStep,
)
from qianshao.hazards.titles import default_title
from qianshao.intake.pages import take
from qianshao.lib import keyset
from qianshao.lib.errors import ActionError
from qianshao.lib.photos import jpeg_response

PAGE_SIZE = 50


def client_address(request) -> str:
    """The address the public limits count: REMOTE_ADDR, never a header the client sets.

    Behind a reverse proxy named in QIANSHAO_TRUSTED_PROXIES, it is the client's address
    that the proxy passed in X-Forwarded-For (lib/proxy.py, first in the middleware); from
    any other peer the header is dropped, so a client cannot choose what is counted.
    """
    return request.META.get("REMOTE_ADDR", "")


def _add_error(form, exc) -> None:
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, str(getattr(exc, "message", exc)))


def _too_many(request, exc):
    response = render(request, "hazards/public/too_many.html", {"message": exc.message}, status=429)
    response["Retry-After"] = "3600"
    return response


# --- the public -------------------------------------------------------------------------


def _townships():
    return Cell.objects.filter(kind__in=TOWNSHIP_KINDS).select_related("parent").order_by("path")


def _place(code: str | None):
    """The cell of ``code`` (``?cell=`` from a cell's public page) when it lies below a
    township: (the cell, its township, its choice). A township is already a choice; any
    other code is ignored."""
    code = (code or "").strip().upper()
    cell = Cell.objects.filter(code=code).first() if code and len(code) <= 20 else None
    if cell is None or cell.kind in TOWNSHIP_KINDS:
        return None
    township = routing.township_of(cell)
    if township is None:
        return None
    below = [a.name for a in cell.ancestors() if a.level > township.level]
    label = " ".join([township.name, *below, cell.name])
    return cell, township, (cell.code, label)


def _chosen(data, townships, place):
    """The cell the reporter chose; with a located point, a cell below a township stands
    for its township (the point is placed in the township's cells)."""
    if place is not None and data["cell"] == place[0].code:
        return place[1] if data["lon"] is not None else place[0]
    return next((c for c in townships if c.code == data["cell"]), None)


@login_not_required
@require_http_methods(["GET", "POST"])
def report_page(request):
    townships = list(_townships())
    if request.method != "POST":
        code = request.GET.get("cell", "").strip().upper()
        place = _place(code)
        preset = place[0].code if place else next((c.code for c in townships if c.code == code), "")
        form = PublicReportForm(
            townships=townships,
            place=place and place[1:],
            initial={"cell": preset} if preset else None,
        )
        return render(request, "hazards/public/report.html", {"form": form})
    place = _place(request.POST.get("cell"))
    form = PublicReportForm(
        request.POST, request.FILES, townships=townships, place=place and place[1:]
    )
    if not form.is_valid():
        return render(request, "hazards/public/report.html", {"form": form}, status=400)
    data = form.cleaned_data

    def send():
        return actions.submit_report(
            text=data["text"],
            cell=_chosen(data, townships, place),
            lon=data["lon"],
            lat=data["lat"],
            anonymous=data["anonymous"],
            name=data["name"],
            phone=data["phone"],
            address=data["address"],
            photo_files=[(f.name, f.read()) for f in data["photos"]],
            client_address=client_address(request),
        )

    public, refusal = take(form, "hazards.public_report", None, send)
    if isinstance(refusal, actions.TooMany):
        return _too_many(request, refusal)
    if refusal:
        context = {"form": form}
        return render(request, "hazards/public/report.html", context, status=refusal.status)
    return redirect(reverse("public-track-code", args=[public.tracking_code]) + "?sent=1")


@login_not_required
@require_GET
def track(request):
    if "code" not in request.GET:
        return render(request, "hazards/public/track.html", {"form": TrackForm()})
    form = TrackForm(request.GET)
    if not form.is_valid():
        return render(request, "hazards/public/track.html", {"form": form}, status=400)
    return redirect("public-track-code", tracking_code=form.cleaned_data["code"])


@login_not_required
@require_GET
def track_code(request, tracking_code):
    try:
        public = actions.track(tracking_code, client_address(request))
    except actions.TooMany as exc:
        return _too_many(request, exc)
    if public is None:
        form = TrackForm(initial={"code": tracking_code[:32]})
        return render(request, "hazards/public/track_missing.html", {"form": form}, status=404)
    if public.tracking_code != tracking_code:
        return redirect("public-track-code", tracking_code=public.tracking_code)
    context = {
        "public": public,
        "progress": actions.progress(public),
        "reward": getattr(public, "reward", None),
        "sent": request.GET.get("sent") == "1",
    }
    return render(request, "hazards/public/track_report.html", context)


# --- staff ------------------------------------------------------------------------------


def public_list(request):
    form = ListForm(request.GET)
    if not form.is_valid():
        return render(request, "hazards/public/list.html", {"form": form}, status=400)
    reports = visible_public_reports(request.user).select_related("cell", "hazard")
    if form.cleaned_data["status"]:
        reports = reports.filter(status=form.cleaned_data["status"])
    received_first = Case(
        When(status=PublicStatus.RECEIVED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    reports = reports.order_by(received_first, "-created_at", "-pk")
    page = keyset.page(request, reports, PAGE_SIZE)
    return render(request, "hazards/public/list.html", {"form": form, "page": page})


def _hazard_cells(user, public):
    township = routing.township_of(public.cell) or public.cell
    return visible_cells(user).subtree(township.path).order_by("path")


def _detail(request, public, bound=None, status=200):
    """The staff page of a report; ``bound`` a submitted form whose errors it shows."""
    triage = PUBLIC_FLOW.allows(public, PublicStep.ACCEPT) and actions.may_triage(
        request.user, public
    )
    reward = getattr(public, "reward", None)
    decides = reward is not None and actions.may_decide_reward(request.user, public)
    context = {
        "public": public,
        "photos": public.photos.all(),
        "identity": actions.may_triage(request.user, public),
        "accept_form": (
            AcceptForm(
                cells=_hazard_cells(request.user, public),
                initial={"cell": public.cell.code, "title": default_title(public.text)},
            )
            if triage
            else None
        ),
        "reject_form": RejectForm() if triage else None,
        "reward": reward,
        "approve": decides and REWARD_FLOW.allows(reward, RewardStep.APPROVE),
        "pay": decides and REWARD_FLOW.allows(reward, RewardStep.PAY),
        "reward_form": RewardForm(),
        "bound": bound,
    }
    for name in ["accept_form", "reject_form", "reward_form"]:
        if context[name] is not None and type(context[name]) is type(bound):
            context[name] = bound  # show the submitted form with its errors in place
    return render(request, "hazards/public/detail.html", context, status=status)


def public_detail(request, tracking_code):
    return _detail(request, access_public_report(request.user, tracking_code))


@require_POST
def public_accept(request, tracking_code):
    public = access_public_report(request.user, tracking_code)
    cells = _hazard_cells(request.user, public)
    form = AcceptForm(request.POST, cells=cells)
    valid = form.is_valid()
    try:
        actions.check_triage(request.user, public)  # may they at all, before what they sent
        if not valid:
            return _detail(request, public, form, 400)
        data = form.cleaned_data
        hazard = actions.accept_report(
            request.user,
            public,
            title=data["title"],
            category=data["category"],
            grade=data["grade"],
            cell=cells.get(code=data["cell"]),
            reply=data["reply"],
        )
    except ActionError as exc:
        _add_error(form, exc)
        return _detail(request, public, form, exc.status)
    messages.success(request, _("举报已转为隐患 %(n)s") % {"n": hazard.number})
    return redirect(f"/hazards/{hazard.number}/")


@require_POST
def public_reject(request, tracking_code):
    public = access_public_report(request.user, tracking_code)
    form = RejectForm(request.POST)
    valid = form.is_valid()
    try:
        actions.check_triage(request.user, public)
        if not valid:
            return _detail(request, public, form, 400)
        actions.reject_report(request.user, public, reply=form.cleaned_data["reply"])
    except ActionError as exc:
        _add_error(form, exc)
        return _detail(request, public, form, exc.status)
    messages.success(request, _("已答复举报人：不予受理"))
    return redirect("public-detail", tracking_code=public.tracking_code)


@require_POST
def public_reward(request, tracking_code):
    public = access_public_report(request.user, tracking_code)
    reward = getattr(public, "reward", None)
    if reward is None:
        raise Http404(tracking_code)
    form = RewardForm(request.POST)
    valid = form.is_valid()
    try:
        actions.check_reward(request.user, public)
        if not valid:
            return _detail(request, public, form, 400)
        data = form.cleaned_data
        reward = actions.decide_reward(
            request.user, reward, status=data["status"], amount=data["amount"]
        )
    except ActionError as exc:
        _add_error(form, exc)
        return _detail(request, public, form, exc.status)
    messages.success(request, _("举报奖励：%(s)s") % {"s": reward.get_status_display()})
    return redirect("public-detail", tracking_code=public.tracking_code)


@require_GET
def public_photo(request, tracking_code, token):
    public = access_public_report(request.user, tracking_code)
    photo = public.photos.filter(token=token).first()
    if photo is None:
        raise Http404(token)
    return jpeg_response(photo.image, max_age=3600)


def rewards(request):
    order = Case(
        When(status=RewardStatus.PROPOSED, then=Value(0)),
        When(status=RewardStatus.APPROVED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    items = (
        visible_rewards(request.user)
        .select_related("public_report__cell", "public_report__hazard")
        .order_by(order, "-created_at", "-pk")
    )
    page = keyset.page(request, items, PAGE_SIZE)
    rows = [(r, actions.may_triage(request.user, r.public_report)) for r in page]
    return render(request, "hazards/public/rewards.html", {"page": page, "rows": rows})
