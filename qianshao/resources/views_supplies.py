"""The supplies pages: a cell's storage points, a point's page (its stock by item and batch
with their expiry bands, an item's stock card, and the forms 入库, 出库, 调拨, 盘点, 报损,
最低储备 for those who may move its stock), the transfers with their 接收/撤回 buttons, the
shortage list; the catalogue's and a point's opening-stock uploads with their templates,
requisitions (征用补偿) with 归还/补偿, the reserves (协议储备, 产能储备), and a cell's
物资台账. Everything through scope (``access_supplies``) and the actions."""

from decimal import Decimal

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qianshao.grid import tree
from qianshao.grid.access import cell_or_own
from qianshao.grid.scope import restrict, scope_of
from qianshao.intake.pages import take
from qianshao.lib import keyset
from qianshao.lib.errors import ActionError
from qianshao.lib.panels import first
from qianshao.lib.tabular import ImportFailed
from qianshao.lib.xlsx import download
from qianshao.resources import access_supplies as access
from qianshao.resources import actions_supplies as actions
from qianshao.resources import importers_supplies as importers
from qianshao.resources import ledger_supplies as ledger
from qianshao.resources import permissions_supplies as rules
from qianshao.resources import steps_supplies as steps
from qianshao.resources import tally, xlsx_supplies
from qianshao.resources.forms_supplies import (
    AgreementForm,
    CapacityForm,
    CountForm,
    ImportForm,
    IssueForm,
    MinimumForm,
    PointForm,
    ReceiveForm,
    RequisitionForm,
    RequisitionStepForm,
    StepForm,
    TransferForm,
    WriteOffForm,
)
from qianshao.resources.models import (
    REQUISITION_FLOW,
    TRANSFER_FLOW,
    Band,
    Batch,
    Holding,
    Item,
    Line,
    Minimum,
    MovementKind,
    Point,
)

PAGE_SIZE = 20
BATCHES_SHOWN = 200  # a point's page; the ledger export has every batch
CARD_SIZE = 30
BAND_TAGS = {
    Band.OK: "zr-on",
    Band.NEAR90: "zr-pending",
    Band.NEAR30: "zr-late",
    Band.EXPIRED: "hz-overdue",
}
FORMS = {
    "receive": (ReceiveForm, gettext_lazy("入库")),
    "issue": (IssueForm, gettext_lazy("出库")),
    "transfer": (TransferForm, gettext_lazy("调拨")),
    "count": (CountForm, gettext_lazy("盘点")),
    "write_off": (WriteOffForm, gettext_lazy("报损")),
    "minimum": (MinimumForm, gettext_lazy("最低储备")),
}


def _cell(request):
    return cell_or_own(request.user, request.GET.get("cell"))


def point_list(request):
    """The storage points of a cell's subtree (the user's own cell by default)."""
    cell = _cell(request)
    found = (
        access.visible_points(request.user)
        .filter(tree.subtree_q(cell.path, "cell_path"))
        .select_related("cell", "manager")
        .order_by("cell_path", "id")
    )
    page = keyset.page(request, found, PAGE_SIZE)
    figures = tally.read(cell.path, ledger.POINTS, ledger.BATCHES, ledger.SHORT, ledger.IN_TRANSIT)
    context = {
        "cell": cell,
        "page": page,
        "points_n": sum(figures.get(ledger.POINTS, {}).values()),
        "short_n": sum(figures.get(ledger.SHORT, {}).values()),
        "in_transit_n": sum(figures.get(ledger.IN_TRANSIT, {}).values()),
        "near_n": sum(
            n
            for key, n in figures.get(ledger.BATCHES, {}).items()
            if key.endswith((Band.NEAR90, Band.NEAR30, Band.EXPIRED))
        ),
    }
    return render(request, "resources/supplies/points.html", context)


def _destinations(user, point: Point):
    """Where ``user`` may send from ``point``: points they see, and points at the cells
    above the point's."""
    above = tree.ancestor_paths(point.cell_path)
    seen = restrict(Point.objects.all(), user)
    return (
        Point.objects.filter(Q(pk__in=seen.values("pk")) | Q(cell_path__in=above))
        .exclude(pk=point.pk)
        .select_related("cell")
        .order_by("cell_path", "id")[:500]
    )


def point_page(request, point_id, failed=None, status: int = 200):
    """A point's stock by item and batch, an item's stock card (``?item=``), and the forms
    for those who may move its stock."""
    point = access.access_point(request.user, point_id)
    user = request.user
    holdings = list(
        Holding.objects.filter(point=point).select_related("item").order_by("item__code")
    )
    minimums = {m.item_id: m for m in Minimum.objects.filter(point=point)}
    for h in holdings:
        h.minimum = minimums.get(h.item_id)
    for m in minimums.values():  # a level set for an item never held
        if m.item_id not in {h.item_id for h in holdings}:
            holdings.append(Holding(point=point, item=m.item, quantity=0))
            holdings[-1].minimum = m
    batches, more = first(
        Batch.objects.filter(point=point, quantity__gt=0)
        .select_related("item")
        .order_by("item__code", "expires", "id"),
        BATCHES_SHOWN,
    )
    for b in batches:
        b.tag = BAND_TAGS[b.band]
    card_item = None
    card = None
    code = request.GET.get("item", "").strip()
    if code:
        card_item = Item.objects.filter(code=code).first()
        if card_item is None:
            raise Http404(code)
        lines = (
            Line.objects.filter(point=point, item=card_item)
            .select_related("movement", "batch")
            .order_by("-id")
        )
        card = keyset.page(request, lines, CARD_SIZE)
    forms = {}
    may_change = rules.point_refusal(user, point) is None
    if may_change:
        for kind, (form_class, label) in FORMS.items():
            extra = {"destinations": _destinations(user, point)} if kind == "transfer" else {}
            forms[kind] = (form_class(auto_id=f"{kind}-%s", **extra), label)
    if failed:
        forms[failed[0]] = (failed[1], FORMS[failed[0]][1])
    context = {
        "point": point,
        "holdings": holdings,
        "batches": batches,
        "more_batches": more,
        "card": card,
        "card_item": card_item,
        "forms": forms,
        "failed": failed,
    }
    return render(request, "resources/supplies/point.html", context, status=status)


@require_POST
def point_action(request, point_id, kind):
    """One of a point's forms, posted: the action through ``intake.pages.take``; a refusal
    re-shows the point's page with the error on its field."""
    point = access.access_point(request.user, point_id)
    if kind not in FORMS:
        raise Http404(kind)
    form_class = FORMS[kind][0]
    extra = {"destinations": _destinations(request.user, point)} if kind == "transfer" else {}
    form = form_class(request.POST, auto_id=f"{kind}-%s", **extra)
    if not form.is_valid():
        return point_page(request, point_id, (kind, form, _("请检查填写的内容")), 400)
    d = form.cleaned_data
    user = request.user

    def batch_of(field: str):
        if d.get(field) is None:
            return None
        found = Batch.objects.select_related("item").filter(pk=d[field], point=point).first()
        if found is None:
            raise ActionError(_("该批次不在此储备点"), field)
        return found

    def act():
        if kind == "receive":
            return actions.receive(
                user,
                point,
                item=d["item"],
                quantity=d["quantity"],
                unit=d["unit"],
                expires=d["expires"],
                produced_on=d["produced_on"],
                source=d["source"],
                unit_price=d["unit_price"],
                lot=d["lot"],
                origin=d["origin"],
            )
        if kind == "issue":
            return actions.issue(
                user,
                point,
                item=d["item"],
                quantity=d["quantity"],
                unit=d["unit"],
                purpose=d["purpose"],
                batch=batch_of("batch"),
            )
        if kind == "transfer":
            destination = Point.objects.get(pk=d["destination"])
            return actions.dispatch(
                user,
                point,
                destination,
                lines=[(d["item"], d["quantity"], d["unit"], None)],
                note=d["note"],
            )
        if kind == "count":
            batch = batch_of("batch")
            return actions.count(
                user, point, item=batch.item, counted={batch.pk: d["counted"]}, reason=d["reason"]
            )
        if kind == "write_off":
            return actions.write_off(
                user,
                point,
                batch=batch_of("batch"),
                quantity=d["quantity"],
                reason=d["reason"],
                note=d["note"],
            )
        return actions.set_minimum(user, point, item=d["item"], quantity=d["quantity"])

    _done, refusal = take(form, f"supplies.{kind}", user, act, on=point)
    if refusal:
        return point_page(request, point_id, (kind, form, refusal.message), refusal.status)
    messages.success(request, _("已办理：%(k)s") % {"k": FORMS[kind][1]})
    return redirect("supplies-point", point_id=point.pk)


def transfer_list(request):
    """Transfers from or to the points of a cell's subtree, newest first."""
    cell = _cell(request)
    found = (
        access.visible_transfers(request.user)
        .filter(access.transfers_q([cell.path]))
        .select_related("source", "destination")
        .order_by("-id")
    )
    page = keyset.page(request, found, PAGE_SIZE)
    carried = _carried([t.pk for t in page])
    rows = [(t, _buttons(request.user, t), carried.get(t.pk, [])) for t in page]
    context = {"cell": cell, "page": page, "rows": rows}
    return render(request, "resources/supplies/transfers.html", context)


def _carried(transfer_ids: list[int]) -> dict[int, list[str]]:
    """{transfer id: ["雨衣 1件", …]}: what each transfer of a page carries, so that the
    receiver sees it in the list (one query over the page's dispatch lines)."""
    lines = (
        Line.objects.filter(
            movement__transfer_id__in=transfer_ids, movement__kind=MovementKind.TRANSFER_OUT
        )
        .values_list("movement__transfer_id", "item__name", "item__unit", "delta")
        .order_by("id")
    )
    carried: dict[int, dict[tuple[str, str], Decimal]] = {}
    for transfer_id, name, unit, delta in lines:
        by_item = carried.setdefault(transfer_id, {})
        by_item[(name, unit)] = by_item.get((name, unit), Decimal(0)) - delta
    return {
        t: [f"{name} {ledger.plain(n)}{unit}" for (name, unit), n in by_item.items()]
        for t, by_item in carried.items()
    }


def _buttons(user, transfer) -> list[tuple[str, str, StepForm]]:
    """The steps the flow's table and rule leave ``user`` on ``transfer``."""
    labels = {steps.RECEIVE: _("接收"), steps.RECALL: _("撤回")}
    return [
        (step, labels[step], StepForm(auto_id=f"t{transfer.pk}-{step}-%s"))
        for step in TRANSFER_FLOW.allowed_steps(user, transfer, rules.transfer_refusal)
    ]


def transfer_page(request, transfer_id):
    """One transfer: what it carries, and its buttons."""
    t = access.access_transfer(request.user, transfer_id)
    lines = (
        Line.objects.filter(movement__transfer=t)
        .select_related("movement", "batch", "item", "point")
        .order_by("id")
    )
    context = {"t": t, "lines": lines, "buttons": _buttons(request.user, t)}
    return render(request, "resources/supplies/transfer.html", context)


@require_POST
def transfer_step(request, transfer_id, step):
    """接收 or 撤回, from the list or the transfer's page."""
    t = access.access_transfer(request.user, transfer_id)
    if step not in steps.TRANSFER_STEPS:
        raise Http404(step)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请刷新页面后重试"))
        return redirect("supplies-transfer", transfer_id=t.pk)

    def act():
        return steps.take_transfer(request.user, t, step, form.cleaned_data)

    _done, refusal = take(form, f"supplies.transfer.{step}", request.user, act, on=t)
    if refusal:
        messages.error(request, refusal.message)
        context = {"t": t, "lines": [], "buttons": [], "failed": refusal.message}
        return render(request, "resources/supplies/transfer.html", context, status=refusal.status)
    messages.success(
        request,
        _("调拨单 %(n)s 已%(s)s")
        % {"n": t, "s": _("接收") if step == steps.RECEIVE else _("撤回")},
    )
    return redirect("supplies-transfer", transfer_id=t.pk)


def shortage_list(request):
    """The minimums not met in a cell's subtree: counts by class from the counters, then
    each short item at its point."""
    cell = _cell(request)
    counts = tally.read(cell.path, ledger.SHORT).get(ledger.SHORT, {})
    found = (
        restrict(Minimum.objects.filter(short=True), request.user)
        .filter(tree.subtree_q(cell.path, "point__cell_path"))
        .select_related("item", "point", "point__cell")
        .order_by("point__cell_path", "point_id", "item__code")
    )
    page = keyset.page(request, found, PAGE_SIZE)
    holdings = {
        (h.point_id, h.item_id): h.quantity
        for h in Holding.objects.filter(
            point_id__in=[m.point_id for m in page], item_id__in=[m.item_id for m in page]
        )
    }
    rows = [(m, holdings.get((m.point_id, m.item_id), 0)) for m in page]
    context = {
        "cell": cell,
        "page": page,
        "rows": rows,
        "counts": sorted((k, n) for k, n in counts.items() if n),
        "sees_all": scope_of(request.user).everything,
    }
    return render(request, "resources/supplies/shortages.html", context)


def ledger_export(request, point_id):
    """物资台账 of a point, as .xlsx."""
    point = access.access_point(request.user, point_id)
    book = xlsx_supplies.ledger_workbook(point)
    return download(book, f"{point.name}-物资台账-{timezone.localdate():%Y%m%d}.xlsx")


def card_export(request, point_id):
    """An item's stock card at a point (``?item=``), as .xlsx."""
    point = access.access_point(request.user, point_id)
    item = Item.objects.filter(code=request.GET.get("item", "").strip()).first()
    if item is None:
        raise Http404("item")
    book = xlsx_supplies.card_workbook(point, item)
    return download(book, f"{point.name}-{item.name}-库存卡.xlsx")


MAX_CELLS = 500


def _managed_cells(user):
    """The cells where ``user`` may keep a point: those they manage and below (the first
    ``MAX_CELLS`` by path)."""
    from qianshao.grid.models import Cell
    from qianshao.grid.posts import managing_posts

    if user.is_superuser:
        return Cell.objects.order_by("path").defer("boundary")[:MAX_CELLS]
    within = Q(pk__in=[])
    for post in managing_posts(user):
        within |= tree.subtree_q(post.cell.path)
    return Cell.objects.filter(within).order_by("path").defer("boundary")[:MAX_CELLS]


def point_new(request):
    """新增储备点, at a cell the user manages (or below it)."""
    cells = list(_managed_cells(request.user))
    form = PointForm(request.POST or None, cells=cells, initial={"cell": request.GET.get("cell")})
    if request.method != "POST":
        return render(request, "resources/supplies/point_new.html", {"form": form})
    if not form.is_valid():
        return render(request, "resources/supplies/point_new.html", {"form": form}, status=400)
    d = form.cleaned_data
    cell = next(c for c in cells if c.code == d["cell"])

    def make():
        return actions.create_point(
            request.user,
            cell=cell,
            name=d["name"],
            kind=d["kind"],
            lon=d["lon"],
            lat=d["lat"],
            address=d["address"],
        )

    point, refusal = take(form, "supplies.point", request.user, make)
    if refusal:
        context = {"form": form}
        return render(request, "resources/supplies/point_new.html", context, status=refusal.status)
    messages.success(request, _("已新增储备点：%(n)s") % {"n": point.name})
    return redirect("supplies-point", point_id=point.pk)


# --- imports: 物资目录导入 and 期初库存导入 ------------------------------------------------


def _import_page(request, context: dict, status: int = 200):
    return render(request, "resources/supplies/import.html", context, status=status)


def catalogue_import(request):
    """物资目录导入: classes and items from a table, every problem by row and column and
    nothing written, or all of it. Administrators and county managers only
    (``catalogue_refusal``)."""
    context = {
        "title": _("物资目录导入"),
        "columns": importers.CATALOGUE_COLUMNS,
        "template_url": reverse("supplies-template", args=["catalogue"]),
        "form": ImportForm(),
        "errors": [],
    }
    refusal = rules.catalogue_refusal(request.user)
    if refusal:
        context |= {"refusal": refusal, "form": None}
        return _import_page(request, context, 403)
    if request.method != "POST":
        return _import_page(request, context)
    form = ImportForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return _import_page(request, context, 400)
    upload = form.cleaned_data["file"]
    try:
        classes, items = importers.import_catalogue(request.user, upload, upload.name)
    except ImportFailed as failed:
        context["errors"] = failed.errors
        return _import_page(request, context, 400)
    except ActionError as exc:
        context["errors"] = [exc.message]
        return _import_page(request, context, exc.status)
    messages.success(
        request, _("已导入物资分类 %(c)s 个、物资品目 %(i)s 个") % {"c": classes, "i": items}
    )
    return redirect("supplies-catalogue-import")


def stock_import(request, point_id):
    """期初库存导入 of a point: each row a 入库, every problem by row and column and nothing
    written, or all of it. The point's managers only."""
    point = access.access_point(request.user, point_id)
    context = {
        "title": _("期初库存导入"),
        "point": point,
        "columns": importers.STOCK_COLUMNS,
        "template_url": reverse("supplies-template", args=["stock"]),
        "form": ImportForm(),
        "errors": [],
    }
    refusal = rules.point_refusal(request.user, point)
    if refusal:
        context |= {"refusal": refusal, "form": None}
        return _import_page(request, context, 403)
    if request.method != "POST":
        return _import_page(request, context)
    form = ImportForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return _import_page(request, context, 400)
    upload = form.cleaned_data["file"]
    try:
        made = importers.import_opening_stock(request.user, point, upload, upload.name)
    except ImportFailed as failed:
        context["errors"] = failed.errors
        return _import_page(request, context, 400)
    except ActionError as exc:
        context["errors"] = [exc.message]
        return _import_page(request, context, exc.status)
    messages.success(request, _("已导入期初库存 %(n)s 个批次") % {"n": made})
    return redirect("supplies-point", point_id=point.pk)


TEMPLATES = {
    "catalogue": (xlsx_supplies.catalogue_template, "物资目录导入模板.xlsx"),
    "stock": (xlsx_supplies.stock_template, "期初库存导入模板.xlsx"),
}


def import_template(request, which):
    """The .xlsx template of an import: its header, and a sheet explaining the columns."""
    if which not in TEMPLATES:
        raise Http404(which)
    build, filename = TEMPLATES[which]
    return download(build(), filename)


def cell_ledger_export(request):
    """物资台账 of every point under a cell (``?cell=``), as .xlsx (bounded: see
    ``xlsx_supplies.CELL_LEDGER_LIMIT``)."""
    cell = _cell(request)
    book = xlsx_supplies.cell_ledger_workbook(cell)
    return download(book, f"{cell.name}-物资台账-{timezone.localdate():%Y%m%d}.xlsx")


# --- requisitions (征用补偿) --------------------------------------------------------------


def requisition_list(request):
    """Requisitions into the points of a cell's subtree, newest first."""
    cell = _cell(request)
    found = (
        access.visible_requisitions(request.user)
        .filter(tree.subtree_q(cell.path, "point_path"))
        .select_related("point")
        .order_by("-id")
    )
    page = keyset.page(request, found, PAGE_SIZE)
    context = {"cell": cell, "page": page}
    return render(request, "resources/supplies/requisitions.html", context)


def _requisition_points(user, cell):
    """The points a requisition may go into from this page: those the user sees under
    ``cell`` (the first ``MAX_CELLS``); the action refuses one they may not stock."""
    return list(
        access.visible_points(user)
        .filter(tree.subtree_q(cell.path, "cell_path"))
        .select_related("cell")
        .order_by("cell_path", "id")[:MAX_CELLS]
    )


def requisition_new(request):
    """征用登记: goods taken from an owner into a point (``?point=`` chosen first)."""
    user = request.user
    initial = {}
    if request.GET.get("point"):
        point = access.access_point(user, request.GET["point"])
        cell, initial = point.cell, {"point": point.pk}
    else:
        cell = _cell(request)
    points = _requisition_points(user, cell)
    form = RequisitionForm(request.POST or None, points=points, initial=initial)
    context = {"form": form, "cell": cell}
    template = "resources/supplies/requisition_new.html"
    if request.method != "POST":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    d = form.cleaned_data
    point = next(p for p in points if str(p.pk) == d["point"])

    def act():
        return actions.requisition(
            user,
            point,
            owner=d["owner"],
            owner_phone=d["owner_phone"],
            lines=d["lines"],
            value=d["value"],
            note=d["note"],
        )

    req, refusal = take(form, "supplies.requisition", user, act, on=point)
    if refusal:
        return render(request, template, context, status=refusal.status)
    messages.success(request, _("已登记征用：%(n)s") % {"n": req})
    return redirect("supplies-requisition", requisition_id=req.pk)


REQUISITION_LABELS = {steps.RETURN: gettext_lazy("归还"), steps.COMPENSATE: gettext_lazy("补偿")}


def requisition_page(request, requisition_id, failed=None, status: int = 200):
    """A requisition: what was taken and what went back (its stock-card lines), and the
    steps 归还 and 补偿 left to the user."""
    r = access.access_requisition(request.user, requisition_id)
    lines = (
        Line.objects.filter(movement__requisition=r)
        .select_related("movement", "batch", "item")
        .order_by("id")
    )
    buttons = [
        (step, REQUISITION_LABELS[step], RequisitionStepForm(auto_id=f"{step}-%s"))
        for step in REQUISITION_FLOW.allowed_steps(request.user, r, rules.requisition_refusal)
    ]
    if failed:
        buttons = [(s, label, failed[1] if s == failed[0] else f) for s, label, f in buttons]
        if failed[0] not in {s for s, _label, _f in buttons}:
            buttons.append((failed[0], REQUISITION_LABELS[failed[0]], failed[1]))
    context = {"r": r, "lines": lines, "buttons": buttons, "failed": failed}
    return render(request, "resources/supplies/requisition.html", context, status=status)


@require_POST
def requisition_step(request, requisition_id, step):
    """归还 or 补偿, through the flow's action; a refusal is shown on the step's form."""
    r = access.access_requisition(request.user, requisition_id)
    if step not in steps.REQUISITION_STEPS:
        raise Http404(step)
    form = RequisitionStepForm(request.POST, auto_id=f"{step}-%s")
    if not form.is_valid():
        return requisition_page(request, r.pk, (step, form, _("请检查填写的内容")), 400)
    d = form.cleaned_data
    fields = {"amount": d["compensation"], "note": d["note"]}

    def act():
        return steps.take_requisition(request.user, r, step, fields)

    _done, refusal = take(form, f"supplies.requisition.{step}", request.user, act, on=r)
    if refusal:
        return requisition_page(request, r.pk, (step, form, refusal.message), refusal.status)
    messages.success(request, _("征用单 %(n)s 已%(s)s") % {"n": r, "s": REQUISITION_LABELS[step]})
    return redirect("supplies-requisition", requisition_id=r.pk)


# --- reserves beside held stock: 协议储备 and 产能储备 -----------------------------------

ENDING_DAYS = 30


def agreement_list(request):
    """协议储备 in a cell's subtree; those whose contract ends within ``ENDING_DAYS`` days
    (or has ended) marked."""
    cell = _cell(request)
    found = (
        access.visible_agreements(request.user)
        .filter(tree.subtree_q(cell.path, "cell_path"))
        .select_related("cell", "item")
        .order_by("cell_path", "id")
    )
    page = keyset.page(request, found, PAGE_SIZE)
    today = timezone.localdate()
    for a in page:
        a.ended = a.ends < today
        a.ending = not a.ended and (a.ends - today).days <= ENDING_DAYS
    context = {
        "cell": cell,
        "page": page,
        "may_change": rules.change_refusal(request.user, cell.path) is None,
    }
    return render(request, "resources/supplies/agreements.html", context)


def capacity_list(request):
    """产能储备 in a cell's subtree."""
    cell = _cell(request)
    found = (
        access.visible_capacities(request.user)
        .filter(tree.subtree_q(cell.path, "cell_path"))
        .select_related("cell", "item")
        .order_by("cell_path", "id")
    )
    page = keyset.page(request, found, PAGE_SIZE)
    context = {
        "cell": cell,
        "page": page,
        "may_change": rules.change_refusal(request.user, cell.path) is None,
    }
    return render(request, "resources/supplies/capacities.html", context)


RESERVES = {
    "agreement": (AgreementForm, gettext_lazy("协议储备"), "supplies-agreements"),
    "capacity": (CapacityForm, gettext_lazy("产能储备"), "supplies-capacities"),
}


def _reserve_form(request, kind: str, cell, record, act_with):
    """The new/edit page of a reserve: the form, its action through ``take``, a refusal
    shown on the field it names (403 for one who sees the cell but may not change it)."""
    form_class, label, list_name = RESERVES[kind]
    initial = {}
    if record is not None:
        names = [n for n in form_class.base_fields if n not in ("client_uuid", "unit")]
        initial = {n: getattr(record, n) for n in names} | {"item": record.item.code}
    form = form_class(request.POST or None, initial=initial)
    context = {"form": form, "cell": cell, "label": label, "record": record}
    template = "resources/supplies/reserve_form.html"
    refusal = rules.change_refusal(request.user, cell.path)
    if refusal:
        context["refusal"] = refusal
        return render(request, template, context, status=403)
    if request.method != "POST":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    action = f"supplies.{kind}" + (".change" if record is not None else "")
    done, refusal = take(form, action, request.user, lambda: act_with(form.cleaned_data))
    if refusal:
        return render(request, template, context, status=refusal.status)
    messages.success(request, _("已保存%(k)s") % {"k": label})
    return redirect(f"{reverse(list_name)}?cell={done.cell.code}")


def agreement_new(request):
    """新增协议储备 at a cell (``?cell=``)."""
    cell = _cell(request)

    def act_with(d):
        return actions.add_agreement(request.user, cell=cell, **d)

    return _reserve_form(request, "agreement", cell, None, _without_uuid(act_with))


def agreement_edit(request, agreement_id):
    """修改协议储备 (a new period, another quantity)."""
    a = access.access_agreement(request.user, agreement_id)

    def act_with(d):
        return actions.change_agreement(request.user, a, **d)

    return _reserve_form(request, "agreement", a.cell, a, _without_uuid(act_with))


def capacity_new(request):
    """新增产能储备 at a cell (``?cell=``)."""
    cell = _cell(request)

    def act_with(d):
        return actions.add_capacity(request.user, cell=cell, **d)

    return _reserve_form(request, "capacity", cell, None, _without_uuid(act_with))


def capacity_edit(request, capacity_id):
    """修改产能储备."""
    c = access.access_capacity(request.user, capacity_id)

    def act_with(d):
        return actions.change_capacity(request.user, c, **d)

    return _reserve_form(request, "capacity", c.cell, c, _without_uuid(act_with))


def _without_uuid(act_with):
    """The action called with the form's fields, the intake UUID left out."""
    return lambda d: act_with({k: v for k, v in d.items() if k != "client_uuid"})
