"""A hazard's page: its facts and 五落实 plan, map point, photos, timeline from the audit
chain, supervision, and one form per step the user may take now."""

from collections import defaultdict, deque
from dataclasses import dataclass

from django.shortcuts import render
from django.utils.translation import gettext as _

from qianshao.audit.timeline import Event
from qianshao.audit.timeline import timeline as audit_timeline
from qianshao.grid.posts import people_labels
from qianshao.hazards.access import (
    Choices,
    access_hazard,
    visible_hazards,
    visible_merge_target,
    visible_supervisions,
)
from qianshao.hazards.forms import StepForm, step_form
from qianshao.hazards.maps import hazard_map
from qianshao.hazards.models import Stage, Status, Step
from qianshao.hazards.permissions import allowed_steps
from qianshao.lib.panels import following, origin


@dataclass
class Failed:
    """A step that was refused: its bound form (with the errors) and the message."""

    step: str
    form: StepForm
    message: str = ""


def hazard_page(request, number, failed: Failed | None = None, status: int = 200):
    hazard = access_hazard(request.user, number)
    choices = Choices(request.user, hazard)
    forms = []
    for step in allowed_steps(request.user, hazard):
        if failed is not None and failed.step == step:
            forms.append((Step(step), failed.form))
        else:
            forms.append((Step(step), step_form(step, hazard=hazard, choices=choices)))
    context = {
        "hazard": hazard,
        "step_forms": forms,
        "failed": failed,
        "photos": photo_groups(hazard),
        "timeline": timeline(hazard),
        "supervisions": visible_supervisions(request.user).filter(hazard=hazard),
        # Hazards merged into or from this one are named only if the viewer sees them.
        "merged_into": visible_merge_target(request.user, hazard),
        "duplicates": visible_hazards(request.user).filter(merged_into=hazard).only("number"),
        "map_data": hazard_map(hazard),
        # the record of another area it was reported from, if the viewer sees it
        "origin": origin(request.user, hazard.origin) if hazard.origin else None,
        # what the later areas opened from it (an incident), and the link to open one
        "following": following(request.user, f"hazards.hazard:{hazard.number}"),
    }
    return render(request, "hazards/detail.html", context, status=status)


def photo_groups(hazard) -> list[tuple[str, list]]:
    groups = {Stage.BEFORE: [], Stage.PROGRESS: [], Stage.AFTER: []}
    for picture in hazard.photos.all():
        stage = Stage.BEFORE if picture.stage == Stage.PUBLIC else picture.stage
        groups[stage].append(picture)
    return [(Stage(stage).label, pictures) for stage, pictures in groups.items()]


def timeline(hazard, *, written=None, by=None) -> list[Event]:
    """Every audit record of the hazard, oldest first, each with the note its step wrote.

    The records are the hazard's own, read because the hazard was reached through scope
    (as its notes and photos are); filtering them by their recorded cell path would hide
    the history of a hazard whose cell has since moved in the tree. ``written``: the
    records of a hazard just reported by ``by`` (it has no notes yet), not read again.
    """
    notes: dict[str, deque] = defaultdict(deque)
    for note in hazard.notes.all() if written is None else ():
        notes[note.step].append(note.text)
    labels = {f"hazards.{s.value}": s.label for s in Step} | {
        "hazards.supervise": _("超时督办"),
        "hazards.answer_supervision": _("答复督办"),
    }

    def describe(record, after: dict) -> dict:
        step = record.action.removeprefix("hazards.")
        note = notes[step].popleft() if record.note and notes[step] else record.note
        if record.action == "hazards.supervise":
            note = "、".join(after.get("raised") or []) or _("已超时")
        elif record.action == "hazards.answer_supervision":
            note = after.get("answer", "")
        status = after.get("status") if after.get("status") in Status.values else ""
        return {
            "note": note,
            "status": Status(status).label if status else "",
            "photos": after.get("photos") or 0,
        }

    return audit_timeline(
        hazard,
        labels,
        describe=describe,
        action_of=lambda a: a.removeprefix("hazards."),
        actors=lambda ids: people_labels(ids, known=[by] if by is not None else ()),
        records=written,
    )
