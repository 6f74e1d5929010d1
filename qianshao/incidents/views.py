"""The incidents' pages: the list of a cell's subtree, receiving one, an incident's page
(its clock, reports, levels passing it up, response, commander, orders and the teams to
send, the command log, each step's form) and an order's page, where a team's leader
answers on the phone."""

import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qianshao.grid import tree
from qianshao.grid.access import (
    access_cell,
    cell_or_own,
    visible_ancestors,
    visible_cells,
    visible_people,
)
from qianshao.grid.models import Person, RoleAssignment
from qianshao.incidents import (
    actions,
    actions_orders,
    actions_response,
    board,
    clock,
    permissions,
    rules,
    sitrep,
    steps,
    tally,
)
from qianshao.incidents.access import access_incident, access_order, my_orders, visible_incidents
from qianshao.incidents.forms import IncidentForm, NoteForm
from qianshao.incidents.models import (
    FINDING_FLOW,
    INCIDENT_FLOW,
    LEADER_ORDERING,
    ORDER_FLOW,
    Finding,
    FindingStep,
    IncidentStatus,
    IncidentStep,
    LogEntry,
    Order,
    OrderStatus,
    OrderStep,
    Relay,
)
from qianshao.intake.pages import take
from qianshao.lib import keyset
from qianshao.lib.errors import NotFound
from qianshao.lib.panels import origin
from qianshao.resources import queries as resources
from qianshao.warnings import queries as warnings

PAGE_SIZE = 50
LOG_SHOWN = 100
OPEN = (IncidentStatus.REPORTED, IncidentStatus.RESPONDING)


def incidents(request):
    """突发事件: the incidents of a cell's subtree, newest first, open ones or all. A team's
    leader with no post in the grid is sent to the orders to their team (我的调派)."""
    try:
        cell = cell_or_own(request.user, request.GET.get("cell"))
    except Http404:
        if not request.GET.get("cell") and my_orders(request.user).exists():
            return redirect("incident-orders-mine")
        raise
    found = visible_incidents(request.user).filter(tree.subtree_q(cell.path, "cell_path"))
    status = request.GET.get("status", "open")
    if status == "open":
        found = found.filter(status__in=OPEN)
    elif status in IncidentStatus.values:
        found = found.filter(status=status)
    else:
        status = "all"
    page = keyset.page(
        request, found.select_related("cell").order_by("-occurred_at", "-id"), PAGE_SIZE
    )
    context = {
        "cell": cell,
        "page": page,
        "status": status,
        "statuses": IncidentStatus.choices,
        "ancestors": visible_ancestors(request.user, cell),
        "may_report": permissions.report_refusal(request.user, cell.path) is None,
    }
    return render(request, "incidents/list.html", context)


def new(request):
    """接报: receive an incident (the cell given by its code, the user's own by default)."""
    if request.method == "POST":
        form = IncidentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data

            def act():
                try:
                    cell = access_cell(request.user, data["cell"])
                except Http404:
                    raise NotFound(_("网格不存在或不在您的辖区内"), "cell") from None
                return actions.open_incident(
                    request.user,
                    title=data["title"],
                    kind=data["kind"],
                    category=data["category"],
                    cell=cell,
                    occurred_at=data["occurred_at"],
                    summary=data["summary"],
                    place=data["place"],
                    lon=data["lon"],
                    lat=data["lat"],
                    unit=data["unit"],
                    measures=data["measures"],
                    figures=form.figures(),
                    origin=data["origin"] or "",
                )

            incident, refusal = take(form, "incidents.open", request.user, act)
            if refusal is None:
                messages.success(request, _("已接报：%(n)s") % {"n": incident.number})
                return redirect("incident", incident_id=incident.pk)
            status = refusal.status
        else:
            status = 400
    else:
        ref = request.GET.get("origin", "")[:64]
        source = origin(request.user, ref) if ref else None
        cell = cell_or_own(request.user, (source or {}).get("cell") or request.GET.get("cell"))
        initial = {
            "client_uuid": uuid.uuid4(),
            "cell": cell.code,
            "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
            "origin": ref if source else "",
        }
        if source:
            initial |= {
                "title": source.get("title", ""),
                "summary": source.get("description", ""),
                "place": source.get("address", ""),
                "lon": source.get("lon"),
                "lat": source.get("lat"),
            }
        form = IncidentForm(initial=initial)
        status = 200
        return render(
            request, "incidents/new.html", {"form": form, "source": source}, status=status
        )
    source = origin(request.user, form.data.get("origin", "")) if form.data.get("origin") else None
    return render(request, "incidents/new.html", {"form": form, "source": source}, status=status)


def _people_for_commander(user, incident) -> list[Person]:
    """Those who may be appointed on-scene commander from the page: the people of the
    incident's cell and the levels above it (a handful) that ``user`` sees — as the action
    takes (``actions.appoint_commander``)."""
    ids = (
        RoleAssignment.objects.active()
        .filter(cell__path__in=tree.lineage(incident.cell_path))
        .values("person_id")
    )
    found = visible_people(user).filter(pk__in=ids)
    return list(found.order_by("name", "pk")[:200])


def _level_initial(step: str, level: str) -> dict:
    """The level a response form offers first: Ⅳ to start, the next one up or down."""
    if step == "respond":
        return {"level": "4"}
    if step == "raise" and level and level > "1":
        return {"level": str(int(level) - 1)}
    if step == "lower" and level and level < "4":
        return {"level": str(int(level) + 1)}
    return {}


def _own_path(user, i) -> str:
    """The incident's own township (or its own cell): what lies there is offered first."""
    township = next((c for c in visible_ancestors(user, i.cell) if c.kind == "township"), None)
    return township.path if township else i.cell_path


class Near:
    """What an incident's page offers to send or use, read once a request: the teams, the
    storage points with their stock, the shelters, the transfer list of its cell."""

    def __init__(self, user, i):
        self.user, self.i = user, i
        self._found: dict = {}

    def _get(self, name, fn):
        if name not in self._found:
            self._found[name] = fn()
        return self._found[name]

    def teams(self):
        i = self.i
        return self._get(
            "teams",
            lambda: resources.candidates(
                self.user, lon=i.lon, lat=i.lat, own_path=_own_path(self.user, i)
            ),
        )

    def points(self):
        i = self.i
        return self._get(
            "points",
            lambda: resources.storage_points(
                self.user, lon=i.lon, lat=i.lat, own_path=_own_path(self.user, i)
            ),
        )

    def shelters(self):
        i = self.i
        return self._get(
            "shelters",
            lambda: resources.shelters_near(
                self.user, lon=i.lon, lat=i.lat, own_path=_own_path(self.user, i)
            ),
        )

    def households(self, path: str | None = None):
        path = path or self.i.cell_path
        return self._get(f"households:{path}", lambda: resources.households(self.user, path))


def _form_kwargs(name: str, i, near: Near, cell=None) -> dict:
    if name == "commander":
        return {"people": _people_for_commander(near.user, i)}
    if name == "evacuate":
        return {
            "shelters": near.shelters(),
            "households": near.households(cell.path if cell is not None else None),
        }
    if name == "warn":
        return {"types": warnings.types(), "levels": warnings.levels()}
    return {}


def incident(request, incident_id, failed=None, status: int = 200):
    """One incident: its clock, figures and grade, reports, levels, response, orders and the
    teams nearest to send, supplies and evacuation, the review, the command log — and each
    step its user may take."""
    i = access_incident(request.user, incident_id)
    user = request.user
    r = rules.rule()
    relays = list(Relay.objects.filter(incident=i).select_related("cell"))
    for relay in relays:
        relay.may_pass = relay.passed_at is None and permissions.relay_refusal(user, relay) is None
    commands = permissions.command_refusal(user, i.cell_path) is None
    flow_steps = INCIDENT_FLOW.allowed_steps(user, i, permissions.incident_rule)
    orders = list(Order.objects.filter(incident=i).order_by("-ordered_at", "-id"))
    for o in orders:
        o.key = uuid.uuid4()
        o.steps = [
            (s, OrderStep(s).label)
            for s in ORDER_FLOW.steps_from(o.status)
            if s in (OrderStep.RELEASE, OrderStep.RECALL) and commands
        ]
    near = Near(user, i)
    acting = commands and i.open
    forms = {}
    for name, (form_class, _fn) in steps.STEPS.items():
        if name in ("supplies", "evacuate", "warn") and not acting:
            continue
        initial = {"client_uuid": uuid.uuid4()} | _level_initial(name, i.level)
        if name == "evacuate":
            initial["cell"] = i.cell.code
        forms[name] = form_class(
            initial=initial, auto_id=f"{name}-%s", **_form_kwargs(name, i, near)
        )
    if failed:
        forms[failed[0]] = failed[1]
    findings = list(i.findings.order_by("id"))
    for f in findings:
        f.key = uuid.uuid4()
        f.steps = (
            [(s, FindingStep(s).label) for s in FINDING_FLOW.steps_from(f.status)]
            if commands
            else []
        )
    context = {
        "incident": i,
        "source": origin(user, i.origin) if i.origin else None,
        "clock": clock.timers(i, relays, r),
        "reports": list(i.reports.order_by("-seq")),
        "relays": relays,
        "orders": orders,
        "candidates": near.teams() if acting else [],
        "points": near.points() if acting else [],
        "shelters": near.shelters() if acting else [],
        "supplies": list(i.supplies.order_by("-at", "-id")),
        "evacuations": list(i.evacuations.order_by("-at", "-id")),
        "findings": findings,
        "log": list(LogEntry.objects.filter(incident=i).order_by("-id")[:LOG_SHOWN]),
        "commands": commands,
        "acting": acting,
        "may_log": permissions.log_refusal(user, i) is None,
        "may_report": permissions.report_refusal(user, i.cell_path) is None,
        "flow_steps": flow_steps,
        "IncidentStep": IncidentStep,
        "forms": forms,
        "failed": failed,
        "pass_form": NoteForm(initial={"client_uuid": uuid.uuid4()}, auto_id="pass-%s"),
        "supply_rows": range(1, SUPPLY_ROWS + 1),
    }
    return render(request, "incidents/detail.html", context, status=status)


SUPPLY_ROWS = 5  # lines of the supplies form


def _supply_lines(post) -> list:
    """The supplies form's lines: (item id, quantity) for each row filled in."""
    lines = []
    for n in range(1, SUPPLY_ROWS + 1):
        item, quantity = post.get(f"item-{n}", ""), post.get(f"quantity-{n}", "").strip()
        if not item and not quantity:
            continue
        lines.append((int(item) if item.isdigit() and len(item) < 19 else item, quantity))
    return lines


@require_POST
def step(request, incident_id, name):
    """One step of an incident from its page (``steps.STEPS``)."""
    i = access_incident(request.user, incident_id)
    if name not in steps.STEPS:
        raise Http404(name)
    form_class = steps.STEPS[name][0]
    near = Near(request.user, i)
    cell = None
    if name in steps.CELL_STEPS:
        code = request.POST.get("cell", "")
        cell = visible_cells(request.user).filter(code=code).first()
    form = form_class(request.POST, auto_id=f"{name}-%s", **_form_kwargs(name, i, near, cell))
    if not form.is_valid():
        return incident(request, incident_id, (name, form, _("请检查填写的内容")), 400)
    data = dict(form.cleaned_data)
    if hasattr(form, "figures"):
        data["figures"] = form.figures()
    if name == "commander":
        data["person"] = form.people.get(data.get("person"))
    if name == "supplies":
        data["lines"] = _supply_lines(request.POST)
    if name in steps.CELL_STEPS:
        if cell is None:
            form.add_error("cell", _("网格不存在或不在您的辖区内"))
            return incident(request, incident_id, (name, form, _("请检查填写的内容")), 404)
        data["cell"] = cell

    def act():
        return steps.take(request.user, i, name, data)

    _done, refusal = take(form, f"incidents.{name}", request.user, act, on=i)
    if refusal:
        return incident(request, incident_id, (name, form, refusal.message), refusal.status)
    messages.success(request, _("已保存"))
    return redirect("incident", incident_id=i.pk)


@require_POST
def finding_step(request, finding_id, name):
    """完成 or 重新打开 a finding of the review."""
    f = Finding.objects.filter(
        pk=finding_id, incident__in=visible_incidents(request.user).values("pk")
    ).first()
    if f is None:
        raise Http404(finding_id)
    if name not in (FindingStep.COMPLETE, FindingStep.REOPEN):
        raise Http404(name)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return incident(request, f.incident_id, ("finding", form, _("请检查填写的内容")), 400)

    def act():
        return actions_response.finding_step(request.user, f, name, note=form.cleaned_data["note"])

    _done, refusal = take(form, f"incidents.finding.{name}", request.user, act, on=f)
    if refusal:
        return incident(request, f.incident_id, ("finding", form, refusal.message), refusal.status)
    messages.success(request, _("已%(s)s") % {"s": FindingStep(name).label})
    return redirect("incident", incident_id=f.incident_id)


@require_POST
def pass_up(request, relay_id):
    """上报: a level passes an incident up."""
    relay = Relay.objects.filter(
        pk=relay_id, incident__in=visible_incidents(request.user).values("pk")
    ).first()
    if relay is None:
        raise Http404(relay_id)
    form = NoteForm(request.POST, auto_id="pass-%s")
    if not form.is_valid():
        return incident(request, relay.incident_id, ("pass", form, _("请检查填写的内容")), 400)

    def act():
        return actions.pass_up(request.user, relay, note=form.cleaned_data["note"])

    _done, refusal = take(form, "incidents.pass", request.user, act, on=relay)
    if refusal:
        return incident(request, relay.incident_id, ("pass", form, refusal.message), refusal.status)
    messages.success(request, _("已上报"))
    return redirect("incident", incident_id=relay.incident_id)


def mine(request):
    """我的调派: the orders to the teams the user leads, those in force first, then the
    newest (as the API lists them), a page at a time."""
    orders = my_orders(request.user).select_related("incident").order_by(*LEADER_ORDERING)
    return render(request, "incidents/mine.html", {"page": keyset.page(request, orders, PAGE_SIZE)})


def order(request, order_id, failed=None, status: int = 200):
    """An order: the incident, the task, the answers so far, and the next answers."""
    o = access_order(request.user, order_id)
    leader = resources.leader_user(o.team_id)
    answers = [
        (s, OrderStep(s).label)
        for s in ORDER_FLOW.steps_from(o.status)
        if s in actions_orders.ANSWER_STEPS
        and permissions.answer_refusal(request.user, o, leader) is None
    ]
    context = {
        "order": o,
        "incident": o.incident,
        "answers": answers,
        "form": failed[1] if failed else NoteForm(initial={"client_uuid": uuid.uuid4()}),
        "failed": failed,
        "OrderStatus": OrderStatus,
    }
    return render(request, "incidents/order.html", context, status=status)


@require_POST
def order_step(request, order_id, name):
    """An answer to an order (接收 … 完成) or the commander's 收队 / 撤回."""
    o = access_order(request.user, order_id)
    if name not in OrderStep.values or name == OrderStep.ORDER:
        raise Http404(name)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return order(request, order_id, ("answer", form, _("请检查填写的内容")), 400)
    note = form.cleaned_data["note"]

    def act():
        if name == OrderStep.RELEASE:
            return actions_orders.release(request.user, o, note=note)
        if name == OrderStep.RECALL:
            return actions_orders.recall(request.user, o, note=note)
        return actions_orders.answer(request.user, o, name, note=note)

    _done, refusal = take(form, f"incidents.order.{name}", request.user, act, on=o)
    if refusal:
        return order(request, order_id, ("answer", form, refusal.message), refusal.status)
    messages.success(request, _("已%(s)s") % {"s": OrderStep(name).label})
    if request.POST.get("back") == "incident":
        return redirect("incident", incident_id=o.incident_id)
    return redirect("incident-order", order_id=o.pk)


def sitrep_page(request, incident_id):
    """情况报告: the SitRep as a page, generated now from the records."""
    i = access_incident(request.user, incident_id)
    return render(request, "incidents/sitrep.html", {"rep": sitrep.build(i), "incident": i})


def sitrep_docx(request, incident_id):
    """情况报告 as a .docx laid out as the usual 突发事件信息报告."""
    i = access_incident(request.user, incident_id)
    rep = sitrep.build(i)
    name = f"{i.number}-{timezone.localtime(rep.at):%Y%m%d%H%M}.docx"
    answer = HttpResponse(
        sitrep.docx(rep),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    answer["Content-Disposition"] = f'attachment; filename="{name}"'
    return answer


BOARD_REFRESH = 5  # seconds between the board's refreshes while the incident is open


def board_page(request, incident_id):
    """指挥一张图: the map and, refreshed by itself, the orders, figures and log; the one-key
    steps (raise the response, send the nearest team, warn the affected cells)."""
    i = access_incident(request.user, incident_id)
    user = request.user
    live = board.live(i)
    context = {
        "incident": i,
        "live": live,
        "refresh": BOARD_REFRESH if i.open else None,
    }
    if request.headers.get("HX-Request"):
        return render(request, "incidents/_board_live.html", context)
    commands = permissions.command_refusal(user, i.cell_path) is None
    acting = commands and i.open
    near = Near(user, i)
    flow_steps = INCIDENT_FLOW.allowed_steps(user, i, permissions.incident_rule)
    nearest = near.teams()[:1] if acting else []
    forms = {}
    if acting:
        for name in ("raise", "respond", "dispatch", "warn"):
            form_class = steps.STEPS[name][0]
            initial = {"client_uuid": uuid.uuid4()} | _level_initial(name, i.level)
            if name == "dispatch" and nearest:
                initial |= {"team": nearest[0]["id"], "task": _("赶赴现场处置")}
            if name == "warn":
                initial |= {"headline": _("%(t)s预警") % {"t": i.title}, "text": i.summary}
            forms[name] = form_class(
                initial=initial, auto_id=f"board-{name}-%s", **_form_kwargs(name, i, near)
            )
    context |= {
        "map_data": board.layers(
            user,
            i,
            points=near.points() if acting else [],
            shelters=near.shelters() if acting else [],
        ),
        "acting": acting,
        "flow_steps": flow_steps,
        "nearest": nearest[0] if nearest else None,
        "forms": forms,
    }
    return render(request, "incidents/board.html", context)


def _months(first: str, last: str) -> list[str]:
    """The months from ``first`` to ``last`` (``yyyy-mm``), at most two years; this month
    alone when either is malformed."""
    today = timezone.localdate()

    def parse(text):
        try:
            year, month = (int(x) for x in text.split("-"))
            return year * 12 + month - 1 if 1 <= month <= 12 and 2000 <= year <= 2100 else None
        except (AttributeError, ValueError):
            return None

    start, end = parse(first or ""), parse(last or "")
    if start is None or end is None or end < start or end - start > 23:
        now = today.year * 12 + today.month - 1
        start = end = now if start is None or end is None or end < start else start
        end = min(end, start + 23)
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(start, end + 1)]


def timeliness(request):
    """报送及时率: the incident reports and passings up that had a deadline, per cell of a
    subtree (the cell and each child, rolled up from the counters) and period of months."""
    cell = cell_or_own(request.user, request.GET.get("cell"))
    months = _months(request.GET.get("from", ""), request.GET.get("to", ""))
    children = list(visible_cells(request.user).children_of(cell).only("code", "name", "path"))
    rows = tally.timeliness([cell.path] + [c.path for c in children], months)
    context = {
        "cell": cell,
        "months": months,
        "total": rows[cell.path],
        "rows": [(c, rows[c.path]) for c in children],
        "ancestors": visible_ancestors(request.user, cell),
    }
    return render(request, "incidents/timeliness.html", context)
