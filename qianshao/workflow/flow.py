"""Status workflows, one mechanism for every status field (docs/adr/0021).

A ``Flow`` is an area's transition table for one status field: from each status, the steps
allowed and where each leads, with the statuses a record is created in (``begins``). The
area adds the rule on people — ``refusal(user, obj, step)``, the single source for buttons,
the API and "my tasks" — and takes each step through one pair:

- ``take`` locks the row, refuses a step its status does not allow (409, the table's
  words), refuses the person (403, the rule's words), and snapshots the audited fields;
- ``finish`` moves the status (unless the step moved it already, ``move``), saves the
  row with ``update_fields``, appends the one audit record and queues the notices, all in
  the step's transaction.

Nothing else assigns a status: ``begin`` (a new record) and ``move`` (a step) are the only
writes to the field, and a test reads every area's code for any other.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from qianshao.audit.chain import append as audit
from qianshao.lib.errors import Conflict, NotAllowed
from qianshao.lib.snapshot import snapshot
from qianshao.notify.outbox import Notice, enqueue_all

# What the table says when a step does not leave the status the record is in.
STATE_REFUSED = _("“%(status)s”状态下不能%(step)s")

# A rule's answer: None (may), a reason, or a reason with the field it concerns.
Refusal = str | tuple[str, str] | None
Rule = Callable[[Any, models.Model, str], Refusal]

# Every flow, as the areas' models declare them (read by the check that nothing else
# writes a status).
FLOWS: list["Flow"] = []


class Flow:
    """The transition table of ``field`` on ``model``.

    ``table`` maps each status to ``{step: next status}``; ``steps`` and ``statuses`` are
    the ``TextChoices`` that name them; ``area`` prefixes the audit action
    (``hazards.accept``); ``fields`` are snapshotted before and after each step;
    ``begins`` maps the steps that create a record to the status it starts in;
    ``branches`` names the other statuses a step may lead to, chosen by the action (a
    hazard stopped on the spot is accepted straight into verification); ``refused`` is
    the 409's words and ``refused_field`` the field it names.
    """

    def __init__(
        self,
        model: type[models.Model],
        table: Mapping[str, Mapping[str, str]],
        *,
        steps: type[models.TextChoices],
        statuses: type[models.TextChoices],
        area: str,
        field: str = "status",
        fields: Iterable[str] = (),
        begins: Mapping[str, str] | None = None,
        branches: Mapping[str, Iterable[str]] | None = None,
        refused=STATE_REFUSED,
        refused_field: str = "step",
    ):
        missing = set(statuses.values) - set(table)
        if missing:
            raise ValueError(f"{model.__name__}: statuses without a row: {sorted(missing)}")
        for status, moves in table.items():
            for step, target in moves.items():
                if step not in steps.values or target not in statuses.values:
                    raise ValueError(f"{model.__name__}: {status} --{step}--> {target}")
        self.model, self.table, self.field = model, table, field
        self.steps, self.statuses, self.area = steps, statuses, area
        self.fields = list(fields)
        self.begins = dict(begins or {})
        self.branches = {step: frozenset(to) for step, to in (branches or {}).items()}
        self.refused, self.refused_field = refused, refused_field
        FLOWS.append(self)

    # --- the table ------------------------------------------------------------------

    def status_of(self, obj: models.Model) -> str:
        return getattr(obj, self.field)

    def steps_from(self, status: str) -> list[str]:
        """The steps the table allows from ``status``, in its order."""
        return list(self.table[status])

    def allows(self, obj: models.Model, step: str) -> bool:
        return step in self.table[self.status_of(obj)]

    def state_refusal(self, obj: models.Model, step: str) -> str | None:
        """The table's reason ``step`` cannot be taken from ``obj``'s status, or None."""
        if self.allows(obj, step):
            return None
        status = self.status_of(obj)
        return str(self.refused) % {
            "status": self.statuses(status).label,
            "step": self.steps(step).label if step in self.steps.values else step,
        }

    def allowed_steps(self, user, obj: models.Model, rule: Rule) -> list[str]:
        """The steps ``user`` may take on ``obj`` now, as ``rule`` judges them."""
        return [s for s in self.steps_from(self.status_of(obj)) if rule(user, obj, s) is None]

    # --- the row --------------------------------------------------------------------

    def begin(self, obj: models.Model, step: str) -> models.Model:
        """Set the status a record created by ``step`` starts in (before its insert)."""
        setattr(obj, self.field, self.begins[step])
        obj._before = None
        return obj

    def take(
        self,
        queryset: models.QuerySet,
        pk,
        step: str,
        *,
        actor=None,
        rule: Rule | None = None,
    ) -> models.Model:
        """Lock the row ``pk`` of ``queryset`` for ``step``: 409 when its status does not
        allow the step, 403 when ``rule`` refuses ``actor`` (the system, ``actor`` None,
        is not judged). Runs inside the step's transaction, so a double click waits for
        the first and then finds the status moved on."""
        obj = queryset.select_for_update(of=("self",)).get(pk=pk)
        reason = self.state_refusal(obj, step)
        if reason is not None:
            raise Conflict(reason, self.refused_field)
        if actor is not None and rule is not None:
            refused = rule(actor, obj, step)
            if refused is not None:
                message, field = refused if isinstance(refused, tuple) else (refused, "step")
                raise NotAllowed(message, field)
        obj._before = snapshot(obj, self.fields) if self.fields else None
        obj._step, obj._moved = step, False
        return obj

    def move(self, obj: models.Model, status: str | None = None) -> str:
        """Set the status the taken step leads to — the table's, or one of the step's
        ``branches`` — and return the one left. The only assignment of a status."""
        step = obj._step
        left = self.status_of(obj)
        target = self.table[left][step]
        if status is not None and status != target:
            if status not in self.branches.get(step, ()):
                raise ValueError(f"{self.model.__name__}: {left} --{step}--> {status}")
            target = status
        setattr(obj, self.field, target)
        obj._moved = True
        return left

    def finish(
        self,
        actor,
        obj: models.Model,
        *,
        fields: Iterable[str] = (),
        note: str = "",
        extra: dict | None = None,
        record: dict | None = None,
        notices: Iterable[Notice] = (),
    ) -> models.Model:
        """Complete the taken step: move the status (unless ``move`` did), save it with
        ``fields``, append the audit record — ``area.step``, the snapshot before and after
        (with ``extra``), ``note``; ``record`` overrides any of these — and queue
        ``notices``."""
        if not obj._moved:
            self.move(obj)
        obj.save(update_fields=[self.field, *(f for f in fields if f != self.field)])
        entry = {
            "actor": actor,
            "action": f"{self.area}.{obj._step}",
            "obj": obj,
            "cell_path": getattr(obj, "cell_path", ""),
            "before": obj._before,
            "after": (snapshot(obj, self.fields) if self.fields else {}) | (extra or {}),
            "note": note,
        }
        audit(**(entry | (record or {})))
        notices = [n for n in notices if n is not None]
        if notices:
            enqueue_all(notices)
        return obj
