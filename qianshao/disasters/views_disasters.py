"""Disaster report pages: the list, a new report (初报, phone-friendly), a report's page with
its versions side by side, and its steps — 续报, 核报, relief applications and decisions."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from qianshao.disasters import actions, permissions, stats, steps
from qianshao.disasters.access import (
    access_disaster,
    access_photo,
    access_relief,
    visible_disasters,
)
from qianshao.disasters.forms import (
    DecisionForm,
    DisasterForm,
    FollowUpForm,
    ReliefForm,
    VerifyForm,
)
from qianshao.disasters.models import (
    INDICATORS,
    RELIEF_FLOW,
    REPORT_FLOW,
    DisasterType,
    ReportStep,
)
from qianshao.grid import tree
from qianshao.grid.access import access_cell, visible_cells
from qianshao.grid.posts import cell_posts
from qianshao.intake.pages import take
from qianshao.lib import keyset
from qianshao.lib.panels import following
from qianshao.lib.photos import jpeg_response, read_photos

PAGE_SIZE = 20
MAX_CELLS = 500


def disaster_list(request):
    found = visible_disasters(request.user).select_related("cell")
    code = request.GET.get("cell", "").strip().upper()
    cell = access_cell(request.user, code) if code else None
    if cell is not None:
        found = found.filter(tree.subtree_q(cell.path, "cell_path"))
    kind = request.GET.get("type", "")
    if kind in DisasterType.values:
        found = found.filter(type=kind)
    page = keyset.page(request, found.order_by("-started_at", "-id"), PAGE_SIZE)
    context = {
        "page": page,
        "cell": cell,
        "types": DisasterType.choices,
        "type": kind,
        "figures": stats.figures(cell, found) if cell else None,
        "indicators": INDICATORS,
    }
    return render(request, "disasters/list.html", context)


def _reporting_cells(user):
    """The cells ``user`` may report a disaster in: their posts' cells and below."""
    posts = cell_posts(user)
    if user.is_superuser:
        return visible_cells(user).defer("boundary")
    within = None
    for post in posts:
        q = tree.subtree_q(post.cell.path)
        within = q if within is None else within | q
    if within is None:
        return visible_cells(user).none()
    return visible_cells(user).filter(within).defer("boundary").order_by("path")


def disaster_new(request):
    """初报, from the phone or the desk."""
    cells = _reporting_cells(request.user)
    form = DisasterForm(request.POST or None, request.FILES or None, cells=cells, listed=MAX_CELLS)
    if request.method != "POST":
        return render(request, "disasters/new.html", {"form": form})
    if not form.is_valid():
        return render(request, "disasters/new.html", {"form": form}, status=400)
    data = form.cleaned_data

    def file():
        return actions.report(
            request.user,
            type=data["type"],
            started_at=data["started_at"],
            cell=data["cell"],
            place=data["place"],
            figures=form.figures(),
            note=data["note"],
            photo_files=read_photos(data["photos"]),
        )

    d, refusal = take(form, "disasters.report", request.user, file)
    if refusal:
        return render(request, "disasters/new.html", {"form": form}, status=refusal.status)
    messages.success(request, _("灾情已初报，编号 %(n)s") % {"n": d.number})
    return redirect("disaster", disaster_number=d.number)


STEPS = {
    "follow-up": FollowUpForm,
    "verify": VerifyForm,
    "relief": ReliefForm,
}


@require_GET
def photo(request, photo_token):
    """A photo of a disaster report, only to those who see the report."""
    return jpeg_response(access_photo(request.user, photo_token).image)


def disaster_page(request, disaster_number, failed=None, status: int = 200):
    d = access_disaster(request.user, disaster_number)
    versions = list(d.versions.select_related("author__person").prefetch_related("photos"))
    user = request.user
    # the buttons are the steps the workflow's table and rule leave this user
    steps = REPORT_FLOW.allowed_steps(user, d, permissions.report_refusal)
    forms = {}
    if ReportStep.FOLLOW_UP in steps:
        forms["follow-up"] = FollowUpForm(initial=d.figures(), auto_id="follow-%s")
        forms["relief"] = ReliefForm(auto_id="relief-%s")
    if ReportStep.VERIFY in steps:
        forms["verify"] = VerifyForm(initial=d.figures(), auto_id="verify-%s")
    if failed:
        forms[failed[0]] = failed[1]
    relief = list(d.relief.all())
    for r in relief:
        r.report = d
    context = {
        "following": following(request.user, f"disasters.report:{d.number}"),
        "disaster": d,
        "versions": versions,
        "rows": [
            (label, [getattr(v, name) for v in versions])
            for name, (label, _p) in INDICATORS.items()
        ],
        "forms": forms,
        "relief": [
            (
                r,
                DecisionForm(auto_id=f"decide-{r.pk}-%s")
                if RELIEF_FLOW.allowed_steps(user, r, permissions.relief_refusal)
                else None,
            )
            for r in relief
        ],
        "failed": failed,
    }
    return render(request, "disasters/detail.html", context, status=status)


# what each step's success says (the 初报 names its number too)
DONE = {
    steps.FOLLOW_UP: gettext_lazy("已续报：%(n)s"),
    steps.VERIFY: gettext_lazy("已核报：%(n)s，核报数据为最终数据"),
    steps.RELIEF: gettext_lazy("救助申报已提交，待上级审批：%(n)s"),
}


@require_POST
def take_step(request, disaster_number, step):
    d = access_disaster(request.user, disaster_number)
    if step not in STEPS:
        raise Http404(step)
    form = STEPS[step](request.POST, request.FILES)
    if not form.is_valid():
        return disaster_page(request, disaster_number, (step, form, _("请检查填写的内容")), 400)
    data = form.cleaned_data
    user = request.user

    def act():
        fields = dict(data)
        if step in (steps.FOLLOW_UP, steps.VERIFY):
            fields["figures"] = form.figures()
        if step == steps.FOLLOW_UP:
            fields["photos"] = read_photos(data["photos"])
        return steps.take(user, d, step, fields)

    _done, refusal = take(form, f"disasters.{step}", request.user, act, on=d)
    if refusal:
        failed = (step, form, refusal.message)
        return disaster_page(request, disaster_number, failed, refusal.status)
    messages.success(request, DONE[step] % {"n": disaster_number})
    return redirect("disaster", disaster_number=disaster_number)


@require_POST
def decide(request, relief_id):
    relief = access_relief(request.user, relief_id)
    form = DecisionForm(request.POST)
    number = relief.report.number
    if not form.is_valid():
        messages.error(request, _("请选择批准或不批准"))
        return redirect("disaster", disaster_number=number)
    data = form.cleaned_data

    def act():
        return actions.decide_relief(
            request.user, relief, approve=data["approve"], note=data["note"]
        )

    _done, refusal = take(form, "disasters.decide_relief", request.user, act, on=relief)
    if refusal:
        failed = ("decide", form, refusal.message)
        return disaster_page(request, number, failed, refusal.status)
    relief.refresh_from_db(fields=["status"])
    messages.success(request, _("救助申报已审批：%(s)s") % {"s": relief.get_status_display()})
    return redirect("disaster", disaster_number=number)
