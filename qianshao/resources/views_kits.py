"""Kit pages: the completeness table of a cell (each child's holders, complete, share —
drillable) with the cards under it, and a holder's kit card (each line issued or missing, the
pieces with their steps, the issue form)."""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qianshao.grid import tree
from qianshao.grid.access import cell_or_own, visible_ancestors
from qianshao.grid.models import Cell
from qianshao.intake.pages import take
from qianshao.lib import keyset
from qianshao.resources import (
    actions_kits,
    permissions_kits,
    permissions_supplies,
    readiness_kits,
    steps_kits,
)
from qianshao.resources.access_kits import access_card, access_item, visible_cards
from qianshao.resources.access_supplies import visible_points
from qianshao.resources.forms_kits import IssueForm, StepForm
from qianshao.resources.models import (
    KITITEM_FLOW,
    ItemCondition,
    ItemStep,
    KitItem,
    KitStandard,
    Movement,
)

PAGE_SIZE = 50


def completeness(request):
    """每个网格的配备完成率: the cell's figures per standard, each child's, and the cards."""
    cell = cell_or_own(request.user, request.GET.get("cell"))
    standards = list(KitStandard.objects.all())
    children = list(Cell.objects.children_of(cell).only("code", "name", "path", "kind"))
    figures = readiness_kits.figures([cell.path] + [c.path for c in children], standards)
    chosen = request.GET.get("standard", "")
    cards = (
        visible_cards(request.user)
        .filter(tree.subtree_q(cell.path, "cell_path"), active=True)
        .select_related("person", "standard", "cell")
    )
    if chosen in {s.code for s in standards}:
        cards = cards.filter(standard__code=chosen)
    incomplete = request.GET.get("incomplete") == "1"
    if incomplete:
        cards = cards.filter(complete=False)
    page = keyset.page(request, cards.order_by("cell_path", "standard_id", "id"), PAGE_SIZE)
    context = {
        "cell": cell,
        "standards": standards,
        "total": figures[cell.path],
        "rows": [(c, figures[c.path]) for c in children],
        "page": page,
        "chosen": chosen,
        "incomplete": incomplete,
        "ancestors": visible_ancestors(request.user, cell),
    }
    return render(request, "resources/kits/completeness.html", context)


def card_page(request, card_id, failed=None, status: int = 200):
    """A holder's kit card: each line issued or missing, the pieces and their steps."""
    card = access_card(request.user, card_id)
    user = request.user
    lines = list(card.standard.lines.all())
    items = list(KitItem.objects.filter(card=card).select_related("line").order_by("line", "id"))
    in_use = actions_kits.in_use_by_line(card)
    may_change = permissions_kits.card_refusal(user, card) is None
    sources = _sources(items)
    rows = []
    for line in lines:
        pieces = []
        for item in (i for i in items if i.line_id == line.pk):
            item.card = card
            item.source = sources.get(item.stock_movement_id)
            steps = [
                (step, ItemStep(step).label)
                for step in KITITEM_FLOW.allowed_steps(user, item, permissions_kits.item_refusal)
            ]
            # one form a piece, its steps as buttons: a piece takes one step at a time
            replaceable = any(step == ItemStep.REPLACE for step, _l in steps)
            pieces.append((item, steps, uuid.uuid4(), replaceable))
        have = in_use.get(line.pk, 0)
        rows.append((line, have, max(0, line.quantity - have), pieces))
    issue_form = None
    if may_change and card.active:
        issue_form = IssueForm(lines=lines, points=issuing_points(user, card), auto_id="issue-%s")
    if failed and failed[0] == "issue":
        issue_form = failed[1]
    context = {
        "card": card,
        "rows": rows,
        "missing_lines": [(line, short) for line, _have, short, _p in rows if short],
        "issue_form": issue_form,
        "step_form": failed[1] if failed and failed[0] == "step" else StepForm(auto_id=None),
        "failed": failed,
        "conditions": ItemCondition.choices,
    }
    return render(request, "resources/kits/card.html", context, status=status)


def issuing_points(user, card):
    """The storage points a kit may come from on the card's page: those at the card's cell
    or above it (the village's, the township's, the county's) whose stock ``user`` may
    issue — a handful, read in one query."""
    points = (
        visible_points(user)
        .filter(cell_path__in=tree.lineage(card.cell_path))
        .order_by("-cell_path", "name", "id")
    )
    return [p for p in points if permissions_supplies.point_refusal(user, p) is None]


def _sources(items) -> dict[int, str]:
    """{movement id: its point's name} of the pieces issued from stock (one query)."""
    ids = {i.stock_movement_id for i in items if i.stock_movement_id}
    if not ids:
        return {}
    return dict(Movement.objects.filter(pk__in=ids).values_list("pk", "point__name"))


@require_POST
def issue(request, card_id):
    card = access_card(request.user, card_id)
    whole = request.POST.get("whole") == "1"
    form = IssueForm(
        request.POST,
        lines=list(card.standard.lines.all()),
        points=issuing_points(request.user, card),
        auto_id="issue-%s",
    )
    if whole:  # 配齐: the line and quantity are the action's to work out
        form.fields["line"].required = form.fields["quantity"].required = False
    if not form.is_valid():
        return card_page(request, card_id, ("issue", form, _("请检查填写的内容")), 400)
    data = form.cleaned_data
    options = {
        "issued_on": data["issued_on"],
        "condition": data["condition"],
        "note": data["note"],
        "point": next(p for p in form.points if p.pk == data["point"]) if data["point"] else None,
    }

    def act():
        if whole:
            return actions_kits.issue_missing(request.user, card, **options)
        return actions_kits.issue(
            request.user, card, line=data["line"], quantity=data["quantity"], **options
        )

    _done, refusal = take(form, "resources.kits.issue", request.user, act, on=card)
    if refusal:
        return card_page(request, card_id, ("issue", form, refusal.message), refusal.status)
    messages.success(request, _("已发放"))
    return redirect("kit-card", card_id=card.pk)


@require_POST
def item_step(request, item_id, step):
    item = access_item(request.user, item_id)
    if step not in steps_kits.STEPS:
        raise Http404(step)
    form = StepForm(request.POST, auto_id=None)
    card_id = item.card_id
    if not form.is_valid():
        return card_page(request, card_id, ("step", form, _("请检查填写的内容")), 400)
    data = form.cleaned_data

    def act():
        return steps_kits.take(request.user, item, step, data)

    _done, refusal = take(form, f"resources.kits.{step}", request.user, act, on=item)
    if refusal:
        return card_page(request, card_id, ("step", form, refusal.message), refusal.status)
    messages.success(
        request,
        _("已%(step)s：%(line)s")
        % {
            "step": ItemStep(step).label,
            "line": item.line.name,
        },
    )
    return redirect("kit-card", card_id=card_id)
