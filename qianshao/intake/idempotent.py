"""Idempotent intake: a phone may resend a submission at any time.

Every submission carries a client-made UUID. ``submit`` runs the action once per UUID; a
repeat — sequential or concurrent — returns what the first produced. A UUID reused for a
different kind of submission or by a different user is refused.
"""

import uuid as uuidlib
from collections.abc import Callable
from typing import TypeVar

from django.apps import apps
from django.db import IntegrityError, transaction

from qianshao.intake.models import Submission

T = TypeVar("T")


class IntakeConflict(Exception):
    """The UUID was already used for something else."""


def submit(
    client_uuid: uuidlib.UUID | str, kind: str, user, action: Callable[[], T], *, on=None
) -> tuple[T, bool]:
    """Run ``action`` unless ``client_uuid`` was seen; return ``(result, created)``.

    ``on``: the object a step acts on (a hazard, a delivery, a disaster report). The UUID is
    then the step's on that object: reused on another, it is refused like a UUID reused for
    a different kind — never answered with the first object's result as if done.
    """
    key = uuidlib.UUID(str(client_uuid))
    if on is not None:
        kind = f"{kind}@{on._meta.label_lower}:{on.pk}"
    found = _replay(key, kind, user)
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            # Claim the UUID before acting: a concurrent duplicate waits on this row and then
            # replays, instead of running the action again into its own conflicts.
            submission = Submission.objects.create(
                uuid=key, kind=kind, user=user if getattr(user, "pk", None) else None
            )
            result = action()
            submission.object_type = result._meta.label_lower
            submission.object_id = str(result.pk)
            submission.save(update_fields=["object_type", "object_id"])
    except IntegrityError:
        found = _replay(key, kind, user)
        if found is None:
            raise
        return found, False
    return result, True


def _replay(key: uuidlib.UUID, kind: str, user):
    submission = Submission.objects.filter(uuid=key).first()
    if submission is None:
        return None
    user_id = user.pk if getattr(user, "pk", None) else None
    if submission.kind != kind or submission.user_id != user_id:
        raise IntakeConflict(str(key))
    model = apps.get_model(submission.object_type)
    return model._default_manager.get(pk=submission.object_id)
