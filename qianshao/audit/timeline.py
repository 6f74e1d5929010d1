"""An object's life read from the audit chain, oldest first: one reader for every area's
timeline (the hazard's page and API, the warning's page). The area names its steps and
says what each record adds (``describe``); the records are the object's own, read because
the object was reached through scope."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from qianshao.audit.models import AuditRecord


@dataclass
class Event:
    at: object
    label: str
    actor: str
    note: str = ""
    action: str = ""
    status: str = ""
    photos: int = 0


def timeline(
    obj,
    labels: Mapping[str, str],
    *,
    actions: Iterable[str] | None = None,
    describe: Callable[[AuditRecord, dict], dict[str, Any]] | None = None,
    action_of: Callable[[str], str] = lambda action: action,
    actors: Callable[[set], Mapping[int, str]] | None = None,
    records: list[AuditRecord] | None = None,
) -> list[Event]:
    """``obj``'s audit records as events: labelled from ``labels`` (the action itself when
    unnamed), only ``actions`` when given, each completed by ``describe(record, after)``
    (any of ``Event``'s fields), its ``action`` as ``action_of`` spells it, and who took
    it as ``actors`` names the users (one call for them all; the system is 系统).
    ``records``: the object's records when the caller holds them all (an object it has
    just written), not read again."""
    if records is None:
        found = AuditRecord.objects.for_object(obj)
        if actions is not None:
            found = found.filter(action__in=list(actions))
        records = list(found.order_by("seq"))
    names = actors({r.actor_id for r in records if r.actor_id}) if actors else {}
    events = []
    for record in records:
        after = record.after or {}
        event = Event(
            at=record.at,
            label=labels.get(record.action, record.action),
            actor=_who(record, names),
            note=record.note,
            action=action_of(record.action),
        )
        for name, value in (describe(record, after) if describe else {}).items():
            setattr(event, name, value)
        events.append(event)
    return events


def _who(record: AuditRecord, names: Mapping[int, str]) -> str:
    if record.actor_id is None and record.actor_label == "system":
        return _("系统")
    if record.actor_id in names:
        return names[record.actor_id]
    return record.actor_label  # a login gone since: as the record has it
