"""The steps of a warning's life — draft, approve, issue (the fan-out), revise, cancel,
expire, relay — and 叫应, the recipient's answer. Each runs in one transaction: it locks
the warning, checks the step against the transition table and the user against
``permissions``, changes the rows, writes one audit record and queues its notifications.

``actor`` is the user taking the step, or ``None`` for the system (the sweep, CAP feeds).
"""

from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.grid import tree
from qianshao.grid.models import Cell
from qianshao.grid.scope import scope_of
from qianshao.lib.dbsql import bulk_cache, insert_rows, reserve_ids
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.lib.numbers import numbered
from qianshao.lib.snapshot import snapshot
from qianshao.lib.text import clean_text
from qianshao.notify import fanout
from qianshao.notify.outbox import Notice, enqueue, enqueue_query
from qianshao.warnings import audience, links, rules
from qianshao.warnings.fanouts import inbox_link, recipients
from qianshao.warnings.models import (
    ANSWER_ORDER,
    AUDITED,
    ENDED,
    FLOW,
    PENDING,
    Answer,
    Channel,
    Delivery,
    Level,
    Reply,
    Source,
    Status,
    Step,
    Target,
    Warning,
    WarningType,
    open_answers,
)
from qianshao.warnings.permissions import (
    NO_ISSUING_POST,
    approval_share,
    approvers,
    issuer_cell,
    lacks_issuing_post,
    refusal,
    relay_cells,
)

FIELDS = AUDITED
MAX_EVACUATED = 1_000_000


# --- drafting ---------------------------------------------------------------------------


def draft(
    actor,
    *,
    type: WarningType,
    level: str,
    headline: str,
    text: str,
    targets: list[Cell],
    valid_until: datetime,
    valid_from: datetime | None = None,
    instruction: str = "",
    sender_name: str = "",
    source: str = Source.LOCAL,
    cell: Cell | None = None,
    replaces: Warning | None = None,
    cap: dict | None = None,
) -> Warning:
    """A new warning in draft, for ``targets`` (each cell with its whole subtree).

    The system (``actor`` None: a CAP feed) names the ``cell`` it is issued for; a user
    issues for the lowest of their posts covering every target. ``cap`` carries an
    imported alert's identifier, sender, sent time and text. Side effects: one audit record.
    """
    if actor is not None and lacks_issuing_post(actor):
        raise NotAllowed(NO_ISSUING_POST)
    now = timezone.now()
    fields = _checked(
        actor,
        type=type,
        level=level,
        headline=headline,
        text=text,
        instruction=instruction,
        targets=targets,
        valid_from=valid_from or now,
        valid_until=valid_until,
        now=now,
    )
    targets = fields.pop("targets")
    cell = cell or _issuing_cell(actor, targets)
    cap = cap or {}

    def build(number: str) -> Warning:
        w = Warning(
            number=number,
            source=source,
            sender_name=clean_text(sender_name, "sender_name", limit=100, required=False)
            or cell.name,
            cell=cell,
            cell_path=cell.path,
            replaces=replaces,
            created_by=actor,
            created_at=now,
            cap_identifier=cap.get("identifier") or f"{cell.code}_{number}",
            cap_sender=cap.get("sender") or settings.CAP_SENDER,
            cap_sent=cap.get("sent"),
            cap_xml=cap.get("xml", ""),
            **fields,
        )
        FLOW.begin(w, "draft")
        return w

    def write(w: Warning) -> Warning:
        Target.objects.bulk_create([Target(warning=w, cell=t, cell_path=t.path) for t in targets])
        audit(
            actor=actor,
            action="warnings.draft",
            obj=w,
            cell_path=w.cell_path,
            after=snapshot(w, FIELDS) | {"targets": [t.code for t in targets]},
        )
        return w

    return numbered("YJ", now, build, write)


def _checked(actor, *, targets, valid_from, valid_until, now, **fields) -> dict:
    """The warning's fields, cleaned; refuses what is wrong, naming the field."""
    if fields["level"] not in Level.values:
        raise ActionError(_("未知的预警级别"), "level")
    if not fields["type"].active:
        raise ActionError(_("该预警类型已停用"), "type")
    fields["headline"] = clean_text(fields["headline"], "headline", limit=200)
    fields["text"] = clean_text(fields["text"], "text", limit=4000)
    fields["instruction"] = clean_text(
        fields["instruction"], "instruction", limit=4000, required=False
    )
    if valid_until <= valid_from:
        raise ActionError(_("失效时间须晚于生效时间"), "valid_until")
    if valid_until <= now:
        raise ActionError(_("失效时间须晚于现在"), "valid_until")
    targets = _outermost(targets)
    if not targets:
        raise ActionError(_("请选择预警范围"), "targets")
    scope = scope_of(actor) if actor is not None else None
    if scope is not None and not all(scope.covers(t.path) for t in targets):
        raise NotAllowed(_("预警范围超出您的辖区"), "targets")
    return fields | {"targets": targets, "valid_from": valid_from, "valid_until": valid_until}


def _outermost(targets: list[Cell]) -> list[Cell]:
    """The targets without those inside another one (a cell covers its subtree)."""
    by_path = {t.path: t for t in targets if t is not None}
    return [by_path[p] for p in tree.outermost(by_path)]


def _issuing_cell(actor, targets: list[Cell]) -> Cell:
    if actor is not None and not actor.is_superuser:
        cell = issuer_cell(actor, targets)
        if cell is None:
            raise NotAllowed(_("只有乡镇以上网格的网格长、调度员可以发布预警"), "targets")
        return cell
    return _common_ancestor(targets)


def _common_ancestor(targets: list[Cell]) -> Cell:
    shared = set(tree.lineage(targets[0].path))
    for t in targets[1:]:
        shared &= set(tree.lineage(t.path))
    if not shared:
        raise ActionError(_("预警范围须在同一行政区内"), "targets")
    return Cell.objects.get(path=max(shared, key=len))


@transaction.atomic
def revise(actor, warning: Warning, **fields) -> Warning:
    """A new version of an issued warning, in draft (CAP Update): issuing it ends this one
    as 已更新. Takes ``draft``'s fields; what is not given is kept. Side effects: audit."""
    w = Warning.objects.select_for_update().get(pk=warning.pk)
    if not FLOW.allows(w, Step.UPDATE):
        raise Conflict(_("只能更新已发布的预警"), "step")
    reason = refusal(actor, w, Step.UPDATE) if actor is not None else None
    if reason:
        raise NotAllowed(reason, "step")
    if Warning.objects.filter(replaces=w, status__in=PENDING).exists():
        raise Conflict(_("该预警已有待发布的更新"), "step")
    kept = _content(w) | {"sender_name": w.sender_name}
    return draft(actor, source=w.source, cell=w.cell, replaces=w, **(kept | fields))


def _content(w: Warning) -> dict:
    """What a warning says and whom it targets, as ``draft`` takes them: what an update or
    an edit keeps where it is not given."""
    return {
        "type": w.type,
        "level": w.level,
        "headline": w.headline,
        "text": w.text,
        "instruction": w.instruction,
        "targets": [t.cell for t in w.targets.select_related("cell")],
        "valid_from": w.valid_from,
        "valid_until": w.valid_until,
    }


# the fields an edit may change, snapshotted before and after in its audit record
EDITED = [
    "type",
    "level",
    "headline",
    "text",
    "instruction",
    "valid_from",
    "valid_until",
    "sender_name",
]


@transaction.atomic
def edit(actor, warning: Warning, **fields) -> Warning:
    """修改 a draft (or one sent back to draft): ``draft``'s fields, the same checks; what
    is not given is kept. Not once submitted for approval or later (409, the table's
    words). The warning keeps its cell while the targets stay inside it; otherwise it is
    issued for the editor's lowest post covering them. Side effects: one audit record."""
    w = _take(actor, warning, Step.EDIT)
    kept = _content(w)
    sender_name = fields.pop("sender_name", None)
    unknown = set(fields) - set(kept)
    if unknown:
        raise ActionError(_("不能修改的字段：%(f)s") % {"f": "、".join(sorted(unknown))}, "step")
    before = snapshot(w, EDITED) | {"targets": [t.code for t in kept["targets"]]}
    given = kept | {k: v for k, v in fields.items() if v is not None}
    checked = _checked(
        actor, now=timezone.now(), **(given | {"valid_from": given["valid_from"] or w.valid_from})
    )
    targets = checked.pop("targets")
    if sender_name is not None:
        w.sender_name = clean_text(sender_name, "sender_name", limit=100, required=False)
    if not all(tree.is_within(t.path, w.cell_path) for t in targets):
        if w.sender_name == w.cell.name:  # the default sender follows the cell
            w.sender_name = ""
        w.cell = _issuing_cell(actor, targets)
        w.cell_path = w.cell.path
        w.cap_identifier = f"{w.cell.code}_{w.number}"  # not yet published: named anew
    for name, value in checked.items():
        setattr(w, name, value)
    w.sender_name = w.sender_name or w.cell.name
    w.targets.all().delete()
    Target.objects.bulk_create([Target(warning=w, cell=t, cell_path=t.path) for t in targets])
    after = snapshot(w, EDITED) | {"targets": [t.code for t in targets]}
    return FLOW.finish(
        actor,
        w,
        fields=[*EDITED, "cell", "cell_path", "cap_identifier"],
        record={"before": before, "after": after},
    )


# --- the life of a warning --------------------------------------------------------------


def _take(actor, warning: Warning, step: str) -> Warning:
    """Lock the warning for ``step``: 409 if its status does not allow it, 403 if
    ``permissions.refusal`` refuses the user — issuing judged by the targets' reach now,
    not when drafted (``workflow.flow``)."""

    def rule(user, w: Warning, step: str):
        approval = approval_share(w) if step == Step.ISSUE else None
        return refusal(user, w, step, approval=approval)

    return FLOW.take(
        Warning.objects.select_related("type", "cell"), warning.pk, step, actor=actor, rule=rule
    )


def _audit(actor, w: Warning, step: str, note: str = "", **extra) -> None:
    audit(
        actor=actor,
        action=f"warnings.{step}",
        obj=w,
        cell_path=w.cell_path,
        before=w._before,
        after=snapshot(w, FIELDS) | extra,
        note=note,
    )


def page_link(w: Warning) -> str:
    """Where an in-app message about a warning's drafting leads: its staff page."""
    return f"/warnings/{w.number}/"


@transaction.atomic
def submit(actor, warning: Warning, *, issue_on_approval: bool = False) -> Warning:
    """提交审核: the draft waits for approval and is not edited meanwhile; everyone who
    may approve it (``permissions.approvers``) is told in-app. ``issue_on_approval``: the
    author asks that approving it issues it; 409 when nobody may approve it. Side effects:
    audit; the approvers told."""
    w = _take(actor, warning, Step.SUBMIT)
    waiting_on = approvers(w)
    if not waiting_on:  # it would wait for nobody
        raise Conflict(
            _("没有可以审核此预警的人（须为%(cell)s或其上级的网格长、调度员，且不是起草人）")
            % {"cell": w.cell.name},
            "step",
        )
    w.issue_on_approval = bool(issue_on_approval)
    FLOW.move(w)
    told = Notice(
        "warnings.submit",
        subject=_("预警待审核：%(h)s") % {"h": w.headline},
        body=_("%(level)s预警，%(cell)s起草，请审核")
        % {"level": w.get_level_display(), "cell": w.cell.name},
        link=page_link(w),
        users=waiting_on,
    )
    return FLOW.finish(
        actor,
        w,
        fields=["issue_on_approval"],
        extra={"issue_on_approval": w.issue_on_approval},
        notices=[told],
    )


@transaction.atomic
def send_back(actor, warning: Warning, *, reason: str) -> Warning:
    """退回修改: a submitted draft goes back to its author to edit (``reason`` says what
    to change); it is no longer issued on approval until submitted again. Side effects:
    audit; the author told in-app (unless they took it back themselves)."""
    reason = clean_text(reason, "reason", limit=500)
    w = _take(actor, warning, Step.RETURN)
    w.issue_on_approval = False
    told = None
    if w.created_by_id and w.created_by_id != getattr(actor, "pk", None):
        told = Notice(
            "warnings.return",
            subject=_("预警被退回修改：%(h)s") % {"h": w.headline},
            body=reason[:200],
            link=page_link(w),
            users=[w.created_by],
        )
    return FLOW.finish(actor, w, fields=["issue_on_approval"], note=reason, notices=[told])


@transaction.atomic
def approve(actor, warning: Warning, *, note: str = "") -> Warning:
    """审核 by someone other than its author; when the author asked so, approving issues it
    in the same transaction (``issue``, as the approver). Side effects: audit; the author
    is told."""
    note = clean_text(note, "note", limit=1000, required=False)
    w = _take(actor, warning, Step.APPROVE)
    w.approved_by = actor
    issuing = w.issue_on_approval
    told = None
    if w.created_by_id:
        subject = _("预警已审核并发布：%(h)s") if issuing else _("预警已审核，可以发布：%(h)s")
        told = Notice(
            "warnings.approve",
            subject=subject % {"h": w.headline},
            body=note[:200],
            link=page_link(w),
            users=[w.created_by],
        )
    w = FLOW.finish(actor, w, fields=["approved_by"], note=note, notices=[told])
    return issue(actor, w) if issuing else w


@transaction.atomic
def issue(actor, warning: Warning) -> Warning:
    """发布: one delivery per responsible person in the targets (the level's roles) but
    the warning's own author, approver and issuer, each told in-app and by SMS with a
    one-tap answer link — the deliveries and the first chunk's messages in this
    transaction, a province's rest by the worker after it (``fanouts``); a new version ends
    the one it replaces.
    Refused when the targets hold nobody to tell (a warning nobody receives, that no chase
    follows), and, for a user, when none of them can be told (no login and no SMS: 409).
    Side effects: audit; webhooks."""
    w = _take(actor, warning, Step.ISSUE)
    now = timezone.now()
    if w.valid_until <= now:
        raise Conflict(_("预警已过失效时间，不能发布"), "valid_until")
    FLOW.move(w)
    w.issued_by, w.issued_at = actor, now
    if actor is not None:  # the system (a CAP feed) has nobody to show the reach to
        _refuse_unreachable(w)
    w.recipients = _fan_out(w, now)
    if not w.recipients:  # nothing is written: the fan-out found no one to write
        raise ActionError(
            _("预警范围（%(cells)s）内没有需叫应的责任人（%(level)s预警的接收角色），不能发布")
            % {
                "cells": "、".join(t.cell.name for t in w.targets.select_related("cell")),
                "level": w.get_level_display(),
            },
            "targets",
        )
    if w.replaces_id and w.replaces.status == Status.ISSUED:
        _end(actor, w.replaces, Step.UPDATE, _("已发布更新：%(n)s") % {"n": w.number}, now)
    FLOW.finish(
        actor,
        w,
        fields=[*ISSUED_FIELDS, "issued_by", "issued_at"],
        extra={"targets": [t.cell.code for t in w.targets.select_related("cell")]},
    )
    _tell_webhooks(w, "warnings.issue")
    return w


def _refuse_unreachable(w: Warning) -> None:
    """409 when the targets hold recipients but none of them can be told: no login, and
    no SMS (``audience``; the draft's page shows the reach). Nobody at all is refused after
    the fan-out, naming the targets."""
    found = audience.reach(w, named=False)
    if found.people and not found.reached:
        why = _("且没有手机号") if found.sms_on else _("且未配置短信网关（QIANSHAO_SMS_URL）")
        raise Conflict(
            _(
                "预警范围内需叫应的 %(n)s 名责任人都无法收到预警：他们都没有登录账号，"
                "%(why)s，不能发布。请先为他们开通登录账号，或配置短信网关"
            )
            % {"n": found.people, "why": why},
            "targets",
        )


def _posts(w: Warning, roles) -> list[tuple]:
    """(person, cell, cell path, role, phone, user) of each responsible person in the
    targets, once, at their highest post."""
    rows = (
        audience.assignments(w, roles)
        .order_by("cell__path", "id")
        .values_list(
            "person_id", "cell_id", "cell__path", "role", "person__phone", "person__user_id"
        )
    )
    seen, found = set(), []
    for row in rows:
        if row[0] not in seen:
            seen.add(row[0])
            found.append(row)
    return found


ISSUED_FIELDS = ["status", "recipients", "answer_due_at", "chase_level", "chase_at"]
DELIVERY_COLUMNS = [
    "id",
    "warning_id",
    "person_id",
    "cell_id",
    "cell_path",
    "role",
    "phone",
    "token",
    "answer",
    "answered_via",
    "note",
    "due_at",
    "created_at",
    "updated_at",
]


def _fan_out(w: Warning, now: datetime) -> int:
    """Write one delivery per recipient and start their messages' fan-out; returns how
    many. The warning's author, approver and issuer are not recipients: they answer for it
    already."""
    with bulk_cache(connection):
        return _write_fan_out(w, now)


def _write_fan_out(w: Warning, now: datetime) -> int:
    rule = rules.rule(w.level)
    issuers = audience.issuers(w)
    posts = [p for p in _posts(w, rule.roles) if p[5] is None or p[5] not in issuers]
    held = set(Delivery.objects.filter(warning_id=w.parent_id).values_list("person_id", flat=True))
    fresh = [p for p in posts if p[0] not in held]
    w.answer_due_at, w.chase_level = now + rule.answer, 0
    w.chase_at = w.answer_due_at if fresh else None
    ids = reserve_ids(connection, Delivery._meta.db_table, len(fresh))
    adapt = connection.ops.adapt_datetimefield_value
    stamp, due = adapt(now), adapt(now + rule.answer)
    insert_rows(
        connection,
        Delivery._meta.db_table,
        DELIVERY_COLUMNS,
        [
            [pk, w.pk, person, cell, path, role, phone, token, "", "", "", due, stamp, stamp]
            for pk, token, (person, cell, path, role, phone, _user) in zip(
                ids, links.tokens_for(ids), fresh, strict=True
            )
        ],
        binary=True,  # ints, texts and datetimes, as read
    )
    if fresh:
        fanout.start("warnings.issue", w.pk, min(ids), max(ids))
    if held:  # already answering the parent: the added instructions, and their own link
        within = Q(pk__in=[])
        for t in w.targets.all():
            within |= tree.subtree_q(t.cell_path, "cell_path")
        enqueue_query(
            "warnings.relay",
            recipients(Delivery.objects.filter(within, warning_id=w.parent_id)),
            subject=_("【%(cell)s转发】%(h)s") % {"cell": w.cell.name, "h": w.headline},
            body=w.instruction[:200],
            link=inbox_link(w.parent.number),
            payload={"warning": w.number, "parent": w.parent.number},
            sms=True,
        )
    return len(fresh)


def _tell_webhooks(w: Warning, event: str) -> None:
    enqueue(
        event,
        subject=w.headline,
        body=w.text[:200],
        link=f"/api/v1/warnings/{w.pk}.cap.xml",
        payload={"warning": w.number, "level": w.level, "status": w.status},
    )


@transaction.atomic
def cancel(actor, warning: Warning, *, reason: str) -> Warning:
    """解除 (CAP Cancel): an issued warning ends and every recipient is told; a draft is
    withdrawn. Its relays end with it. Side effects: audit; recipients told (SMS)."""
    reason = clean_text(reason, "reason", limit=500)
    w = _take(actor, warning, Step.CANCEL)
    was_issued = w.status == Status.ISSUED
    w = _end(actor, w, Step.CANCEL, reason, timezone.now(), taken=True)
    if was_issued:
        _tell_recipients(w, _("【预警解除】%(h)s") % {"h": w.headline}, reason)
        _tell_webhooks(w, "warnings.cancel")
    return w


def expire(warning: Warning) -> Warning:
    """到期: the system ends an issued warning at its end of validity. Side effects: audit."""
    with transaction.atomic():
        w = _take(None, warning, Step.EXPIRE)
        return _end(None, w, Step.EXPIRE, "", timezone.now(), taken=True)


def _end(actor, warning: Warning, step: str, reason: str, now, taken: bool = False) -> Warning:
    """End ``warning`` by ``step``: status, nobody chased any more, its relays ended too."""
    w = warning if taken else _take(None, warning, step)
    w.ended_at, w.end_reason, w.chase_at = now, reason[:500], None  # nobody chased any more
    FLOW.finish(actor, w, fields=["ended_at", "end_reason", "chase_at"], note=reason)
    for relay in Warning.objects.filter(parent=w, status=Status.ISSUED):
        relay_step = step if step != Step.UPDATE else Step.CANCEL
        _end(None, relay, relay_step, _("上级预警已结束"), now)
    return w


def _tell_recipients(w: Warning, subject: str, body: str) -> None:
    """Every recipient is told (a fan-out: ``fanouts.told``)."""
    span = Delivery.objects.filter(warning=w).aggregate(first=Min("pk"), last=Max("pk"))
    if span["first"] is not None:
        params = {"event": f"warnings.{w.status}", "subject": subject, "body": body[:200]}
        fanout.start("warnings.told", w.pk, span["first"], span["last"], params)


# --- relaying ---------------------------------------------------------------------------


@transaction.atomic
def relay(actor, parent: Warning, *, targets: list[Cell], instruction: str) -> Warning:
    """转发: a township passes a county warning to its villages with added instructions,
    as a warning of its own linked to the parent and issued at once. Those already holding
    a delivery of the parent get the instructions with their own answer link; anyone new
    in the targets gets a delivery of the relay. Relaying answers the relayer's own
    delivery of the parent, if still unanswered, as 已收到 (``answer``, via 转发). Side
    effects: audit; recipients told."""
    instruction = clean_text(instruction, "instruction", limit=4000)
    p = Warning.objects.select_for_update().select_related("type").get(pk=parent.pk)
    if p.status != Status.ISSUED:
        raise Conflict(_("只能转发已发布的预警"), "step")
    targets = _outermost(targets)
    if not targets:
        raise ActionError(_("请选择转发范围"), "targets")
    mine = relay_cells(actor, p) if not actor.is_superuser else [p.cell]
    if not mine:
        raise NotAllowed(NO_ISSUING_POST if lacks_issuing_post(actor) else _("您无权转发该预警"))
    within_parent = [t.cell_path for t in p.targets.all()]
    for t in targets:
        if not any(tree.is_within(t.path, m.path) for m in mine):
            raise NotAllowed(_("转发范围超出您的辖区"), "targets")
        if not any(tree.is_within(t.path, w) for w in within_parent):
            raise ActionError(_("转发范围须在原预警范围内"), "targets")
    cell = max(
        (m for m in mine if all(tree.is_within(t.path, m.path) for t in targets)),
        key=lambda c: len(c.path),
        default=None,
    )
    if cell is None:
        raise NotAllowed(_("转发范围超出您的辖区"), "targets")
    now = timezone.now()

    def build(number: str) -> Warning:
        w = Warning(
            number=number,
            type=p.type,
            level=p.level,
            headline=p.headline,
            text=p.text,
            instruction=instruction,
            source=Source.RELAY,
            sender_name=cell.name,
            cell=cell,
            cell_path=cell.path,
            valid_from=p.valid_from,
            valid_until=p.valid_until,
            parent=p,
            created_by=actor,
            issued_by=actor,
            created_at=now,
            issued_at=now,
            cap_identifier=f"{cell.code}_{number}",
            cap_sender=settings.CAP_SENDER,
        )
        FLOW.begin(w, "relay")
        return w

    def write(w: Warning) -> Warning:
        Target.objects.bulk_create([Target(warning=w, cell=t, cell_path=t.path) for t in targets])
        w.recipients = _fan_out(w, now)
        w.save(update_fields=ISSUED_FIELDS)
        _audit(actor, w, "relay", parent=p.number, targets=[t.code for t in targets])
        return w

    relayed = numbered("YJ", now, build, write)
    own = Delivery.objects.filter(warning=p, person__user=actor, answer="").first()
    if own is not None and p.valid_until > now:  # relaying is answering: once, received
        answer(actor, own, answer=Answer.RECEIVED, via=Channel.RELAY)
    return relayed


# --- 叫应 --------------------------------------------------------------------------------


def answer(
    actor,
    delivery: Delivery,
    *,
    answer: str,
    via: str,
    note: str = "",
    evacuated: int | None = None,
) -> Delivery:
    """叫应: the recipient answers — received, acting (with a note), done (with the number
    of people evacuated). Each answer once and in that order, 已收到 first (409 otherwise,
    naming the one due); none after the warning ended. ``actor`` None is a one-tap link, which
    names the delivery itself. Side effects: a reply record, one audit record; the chase
    passes them by.

    ``delivery`` read with its warning and person (as ``access_my_delivery`` reads it) is
    checked as read, and written only if its answer is still the one read: no second read.
    Otherwise — when another answer came between, or it is refused as read — it is read
    again, locked, and checked again. A refusal is raised outside the transaction's block:
    a caller's own transaction is not spoilt by it."""
    if answer not in ANSWER_ORDER:
        raise ActionError(_("未知的答复"), "answer")
    if via not in Channel.values:
        raise ActionError(_("未知的叫应方式"), "via")
    note = clean_text(note, "note", limit=500, required=False)
    if evacuated is not None and not 0 <= evacuated <= MAX_EVACUATED:
        raise ActionError(_("转移人数须在 0 到 %(n)s 之间") % {"n": MAX_EVACUATED}, "evacuated")
    now = timezone.now()
    d, refusal = None, None
    if Delivery.warning.is_cached(delivery) and Delivery.person.is_cached(delivery):
        # refused as read: perhaps only as read — decided on the delivery as it is now
        d = delivery if _answer_refusal(actor, delivery, answer, now) is None else None
    with transaction.atomic(savepoint=False):
        before = {"answer": d.answer if d is not None else None}
        if d is None or not _write_answer(d, answer, via, note, evacuated, now):
            d = _locked_delivery(delivery.pk)  # answered meanwhile: what is it now?
            before = {"answer": d.answer}
            refusal = _answer_refusal(actor, d, answer, now)
            if refusal is None:
                _write_answer(d, answer, via, note, evacuated, now)
        if refusal is None:
            _record_answer(actor, d, before, answer, via, note, evacuated, now)
    if refusal is not None:
        raise refusal
    return d


def _write_answer(d: Delivery, answer: str, via: str, note: str, evacuated, now) -> bool:
    """Write the answer on ``d`` if its answer is still the one it holds; whether it was."""
    written = {"answer": answer, "updated_at": now, "note": note or d.note}
    if d.answered_at is None:
        written |= {"answered_at": now, "answered_via": via}
    if evacuated is not None:
        written["evacuated"] = evacuated
    if not Delivery.objects.filter(pk=d.pk, answer=d.answer).update(**written):
        return False
    for name, value in written.items():
        setattr(d, name, value)
    return True


def _record_answer(actor, d: Delivery, before, answer, via, note, evacuated, now) -> None:
    by = actor if actor is not None else d.person.user
    Reply.objects.create(
        delivery=d, answer=answer, via=via, note=note, evacuated=evacuated, user=by, at=now
    )
    w = d.warning
    audit(
        actor=by,
        action="warnings.answer",
        obj=w,
        label=f"{w.number} {d.person.name}",
        cell_path=d.cell_path,
        before=before,
        after={
            "delivery": d.pk,
            "person": d.person.name,
            "answer": answer,
            "via": via,
            "evacuated": evacuated,
        },
        note=note,
    )


def _locked_delivery(pk: int) -> Delivery:
    return (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("warning", "person", "cell")
        .get(pk=pk)
    )


def _answer_refusal(actor, d: Delivery, answer: str, now) -> Exception | None:
    """Why ``answer`` may not be given on ``d`` now (the error to raise), or None."""
    if actor is not None and d.person.user_id != actor.pk:
        return NotAllowed(_("只有接收人可以叫应"), "answer")
    w = d.warning
    if w.status in ENDED or w.valid_until <= now:
        return Conflict(_("该预警已结束，无需再叫应"), "answer")
    if w.status != Status.ISSUED:
        return Conflict(_("该预警尚未发布"), "answer")
    if d.answer and ANSWER_ORDER.index(answer) <= ANSWER_ORDER.index(d.answer):
        return Conflict(_("您已答复“%(a)s”") % {"a": Answer(d.answer).label}, "answer")
    if answer not in open_answers(d.answer):  # 已收到 passed over: it comes first
        return Conflict(_("请先回复“%(a)s”") % {"a": Answer.RECEIVED.label}, "answer")
    return None
