"""What an incident's response moves besides teams (docs/adr/0025 "Response"): supplies
sent from a storage point (an issue through the resources' ledger), people evacuated to a
shelter (its occupancy rising through the shelters' own action, the transfer list's
households ticked), and the review (总结评估): the incident closed with its summary, its
findings tracked until done — each one function, in one transaction with its audit record
and its command-log entry."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.grid.models import Cell
from qianshao.grid.posts import manages
from qianshao.grid.scope import scope_of
from qianshao.incidents import permissions
from qianshao.incidents.actions import _log
from qianshao.incidents.models import (
    FINDING_FLOW,
    INCIDENT_FLOW,
    Entry,
    Evacuation,
    Evacuee,
    Finding,
    FindingStep,
    Incident,
    IncidentStep,
    Supply,
)
from qianshao.lib.errors import ActionError, Conflict, NotAllowed, NotFound
from qianshao.lib.text import clean_text
from qianshao.resources import queries as resources
from qianshao.warnings import queries as warnings

MAX_PEOPLE = 1_000_000


def _commands(actor, incident: Incident, field: str) -> None:
    if actor is None:
        return
    refused = permissions.command_refusal(actor, incident.cell_path)
    if refused:
        raise NotAllowed(refused, field)


def _open(incident_id: int, field: str) -> Incident:
    i = Incident.objects.select_for_update().get(pk=incident_id)
    if not i.open:
        raise Conflict(_("事件已结束"), field)
    return i


@transaction.atomic
def send_supplies(actor, incident: Incident, *, point, lines, note: str = "") -> Supply:
    """调拨物资: ``lines`` ((item id, quantity) pairs) issued from the storage point ``point``
    (an id) to the incident — through the supplies' ledger, so the stock, its counters and
    its minimums move as any issue does. More than there is: 409 naming ``point`` with what
    is left, nothing written. Side effects: the issue, the record of it here, a command-log
    entry, one audit record."""
    note = clean_text(note, "note", limit=200, required=False)
    _commands(actor, incident, "point")
    i = _open(incident.pk, "point")
    movement, record, shown = resources.issue_to(
        actor, point, lines, purpose=_("突发事件 %(n)s") % {"n": i.number}
    )
    supply = Supply.objects.create(
        incident=i,
        cell_path=i.cell_path,
        point_id=movement.point_id,
        point_name=movement.point.name,
        movement=movement,
        lines=shown,
        note=note,
        at=timezone.now(),
        by=actor if getattr(actor, "pk", None) else None,
    )
    words = "、".join(f"{name}{qty}{unit}" for name, qty, unit in shown)
    _log(
        i, actor, Entry.DISPATCH, _("从%(p)s调拨物资：%(w)s") % {"p": supply.point_name, "w": words}
    )
    audit(
        actor=actor,
        action="incidents.supplies",
        obj=supply,
        cell_path=i.cell_path,
        after={"incident": i.pk, "movement": movement.pk, "lines": record},
    )
    return supply


@transaction.atomic
def evacuate(
    actor,
    incident: Incident,
    *,
    cell: Cell,
    shelter=None,
    people: int | None = None,
    households=(),
    note: str = "",
) -> Evacuation:
    """转移: people moved out of ``cell`` (in the incident's subtree's township, or its own)
    to ``shelter`` (an id; None for 投亲靠友) — ``people`` as counted, or the members of the
    ``households`` of the transfer list ticked (each once per incident). The shelter's
    occupancy rises through the shelters' own action (an open one put in use first).
    Recorded by whoever commands the incident, or a managing post at ``cell``. Side effects:
    the evacuation, the ticks, the incident's totals, a command-log entry, one audit
    record."""
    note = clean_text(note, "note", limit=200, required=False)
    if not isinstance(cell, Cell):
        raise ActionError(_("请选择转出网格"), "cell")
    if actor is not None and not scope_of(actor).covers(cell.path):
        raise NotFound(_("网格不存在或不在您的辖区内"), "cell")
    may = actor is None or permissions.commands(actor, incident.cell_path)
    if not may and not manages(actor, cell.path):
        refused = permissions.command_refusal(actor, incident.cell_path)
        raise NotAllowed(refused or _("您无权登记该网格的人员转移"), "cell")
    i = _open(incident.pk, "people")
    ticked = []
    if households:
        if not isinstance(households, list | tuple) or not all(
            isinstance(h, int) and not isinstance(h, bool) for h in households
        ):
            raise ActionError(_("转移清单住户不正确"), "households")
        listed = {h["id"]: h for h in resources.households(actor, cell.path, limit=5000)}
        missing = [h for h in households if h not in listed]
        if missing:
            raise ActionError(_("住户不在该网格的转移清单中"), "households")
        moved = set(
            Evacuee.objects.filter(incident=i, household_id__in=households).values_list(
                "household_id", flat=True
            )
        )
        if moved:
            raise Conflict(_("部分住户已登记转移"), "households")
        ticked = [listed[h] for h in households]
    if people is None or people == "":
        people = sum(h["members"] for h in ticked)
    if isinstance(people, bool) or not isinstance(people, int) or not 0 < people <= MAX_PEOPLE:
        raise ActionError(_("转移人数须为正整数"), "people")
    shelter_name = ""
    if shelter not in (None, ""):
        s = resources.arrive(actor, shelter, people)
        shelter, shelter_name = s.pk, s.name
    else:
        shelter = None
    evacuation = Evacuation.objects.create(
        incident=i,
        cell=cell,
        cell_path=cell.path,
        shelter_id=shelter,
        shelter_name=shelter_name,
        people=people,
        households_n=len(ticked),
        note=note,
        at=timezone.now(),
        by=actor if getattr(actor, "pk", None) else None,
    )
    Evacuee.objects.bulk_create(
        [Evacuee(incident=i, evacuation=evacuation, household_id=h["id"]) for h in ticked]
    )
    i.evacuated += people
    if shelter is not None:
        i.sheltered += people
    i.save(update_fields=["evacuated", "sheltered", "updated_at"])
    _log(
        i,
        actor,
        Entry.FEEDBACK,
        _("%(cell)s转移%(n)s人") % {"cell": cell.name, "n": people}
        + (_("至%(s)s") % {"s": shelter_name} if shelter_name else _("（投亲靠友）"))
        + (_("，转移清单%(h)s户") % {"h": len(ticked)} if ticked else ""),
    )
    audit(
        actor=actor,
        action="incidents.evacuate",
        obj=evacuation,
        cell_path=i.cell_path,
        after={
            "incident": i.pk,
            "cell": cell.path,
            "shelter": shelter,
            "people": people,
            "households": [h["id"] for h in ticked],
        },
    )
    return evacuation


# --- the review ------------------------------------------------------------------------


@transaction.atomic
def close(actor, incident: Incident, *, review: str) -> Incident:
    """完成总结: an ended incident closed with its review (总结评估); its findings are
    tracked on (``add_finding``)."""
    review = clean_text(review, "review", limit=8000)
    i = INCIDENT_FLOW.take(
        Incident.objects.all(),
        incident.pk,
        IncidentStep.CLOSE,
        actor=actor,
        rule=permissions.incident_rule,
    )
    i.review = review
    _log(i, actor, Entry.DECISION, _("完成总结评估"))
    INCIDENT_FLOW.finish(actor, i, fields=["review", "updated_at"], extra={"review": review[:200]})
    return i


@transaction.atomic
def add_finding(actor, incident: Incident, *, text: str, owner: str, due_on) -> Finding:
    """A finding of the review, tracked until done: once the incident has ended."""
    text = clean_text(text, "text", limit=500)
    owner = clean_text(owner, "owner", limit=100)
    if not isinstance(due_on, date):
        raise ActionError(_("请填写整改期限"), "due_on")
    _commands(actor, incident, "text")
    i = Incident.objects.select_for_update().get(pk=incident.pk)
    if i.open:
        raise Conflict(_("事件处置结束后才能登记总结评估问题"), "text")
    finding = Finding(
        incident=i,
        cell_path=i.cell_path,
        text=text,
        owner=owner,
        due_on=due_on,
        at=timezone.now(),
        by=actor if getattr(actor, "pk", None) else None,
    )
    FINDING_FLOW.begin(finding, FindingStep.ADD)
    finding.save()
    audit(
        actor=actor,
        action="incidents.finding.add",
        obj=finding,
        cell_path=i.cell_path,
        after={"incident": i.pk, "text": text, "owner": owner, "due_on": due_on.isoformat()},
    )
    return finding


def finding_rule(user, finding: Finding, step: str):
    return permissions.command_refusal(user, finding.cell_path)


@transaction.atomic
def finding_step(actor, finding: Finding, step: str, *, note: str = "") -> Finding:
    """完成 (with what was done) or 重新打开 a finding."""
    if step not in (FindingStep.COMPLETE, FindingStep.REOPEN):
        raise ActionError(_("未知的步骤"), "step")
    note = clean_text(note, "note", limit=500, required=step == FindingStep.COMPLETE)
    f = FINDING_FLOW.take(Finding.objects.all(), finding.pk, step, actor=actor, rule=finding_rule)
    f.note = note or f.note
    f.done_at = timezone.now() if step == FindingStep.COMPLETE else None
    return FINDING_FLOW.finish(actor, f, fields=["note", "done_at"], note=note)


def link_hazard(finding_id: int, hazard_id: int) -> None:
    """The hazard reported from a finding (回头看), linked to it, in the report's
    transaction (``origins``)."""
    found = Finding.objects.select_for_update().filter(pk=finding_id).first()
    if found is None:
        raise NotFound(_("总结评估问题不存在"), "origin")
    if found.hazard_id is None:
        found.hazard_id = hazard_id
        found.save(update_fields=["hazard"])
        audit(
            actor=None,
            action="incidents.finding.hazard",
            obj=found,
            cell_path=found.cell_path,
            after={"hazard": hazard_id},
        )


@transaction.atomic
def warn(actor, incident: Incident, *, type_id, level: str, headline: str, text: str):
    """预警 to the cells the incident affects (its own cell and those people were moved
    from), through the warnings' own actions: issued at once where the actor may, else
    submitted for approval. Returns the command-log entry that records it (it names the
    warning). Side effects: the warning's own, the command-log entry."""
    _commands(actor, incident, "type")
    i = _open(incident.pk, "type")
    paths = {i.cell_path} | set(i.evacuations.values_list("cell_path", flat=True))
    cells = list(Cell.objects.filter(path__in=paths))
    number, issued = warnings.warn(
        actor, cells=cells, type_id=type_id, level=level, headline=headline, text=text
    )
    return _log(
        i,
        actor,
        Entry.ORDER,
        (_("发布预警 %(n)s：%(h)s") if issued else _("预警 %(n)s 已提交审核：%(h)s"))
        % {"n": number, "h": headline},
    )
