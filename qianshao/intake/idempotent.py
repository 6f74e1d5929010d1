"""Idempotent intake: a phone may resend a submission at any time.

Every submission carries a client-made UUID. ``submit`` runs the action once per UUID; a
repeat — sequential or concurrent — returns what the first produced. A UUID reused for a
different kind of submission or by a different user is refused.
"""

import uuid as uuidlib
from collections.abc import Callable
from typing import TypeVar

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from qianshao.intake.models import Submission
from qianshao.lib.dbsql import insert_new, update_rows
from qianshao.lib.photos import CleanPhoto, discard, stored

T = TypeVar("T")


class IntakeConflict(Exception):
    """The UUID was already used for something else."""


def submit(
    client_uuid: uuidlib.UUID | str,
    kind: str,
    user,
    action: Callable[[], T],
    *,
    on=None,
    photos: tuple[list[CleanPhoto], str] = ((), ""),
) -> tuple[T, bool]:
    """Run ``action`` unless ``client_uuid`` was seen; return ``(result, created)``.

    ``on``: the object a step acts on (a hazard, a delivery, a disaster report). The UUID is
    then the step's on that object: reused on another, it is refused like a UUID reused for
    a different kind — never answered with the first object's result as if done.

    ``photos``: the cleaned photos the action records and their folder — written to
    storage before the transaction (``lib.photos.stored``), removed again when the action
    fails or the submission is a resend.
    """
    key = uuidlib.UUID(str(client_uuid))
    if on is not None:
        kind = f"{kind}@{on._meta.label_lower}:{on.pk}"
    with stored(*photos) as written:
        with transaction.atomic():
            # Claim the UUID before acting, in the statement that checks it: a concurrent
            # duplicate waits on this row and then replays, instead of running the action
            # again into its own conflicts.
            if _claim(key, kind, user):
                result = action()
                _produced(key, result)
                return result, True
        discard(written)  # a resend: the first submission's photos are the ones kept
    return _replay(key, kind, user), False


def _claim(key: uuidlib.UUID, kind: str, user) -> bool:
    """Insert the submission unless its UUID is taken (``INSERT … ON CONFLICT DO NOTHING``):
    whether this call is the first."""
    values = {
        "uuid": key,
        "kind": kind,
        "user": user.pk if getattr(user, "pk", None) else None,
        "object_type": "",
        "object_id": "",
        "created_at": timezone.now(),
    }
    fields = [Submission._meta.get_field(name) for name in values]
    row = [f.get_db_prep_save(v, connection) for f, v in zip(fields, values.values(), strict=True)]
    return bool(insert_new(connection, Submission, [f.column for f in fields], ["uuid"], [row]))


_UUID = Submission._meta.pk


def _produced(key: uuidlib.UUID, result) -> None:
    """Note on the claim what the action produced: ``Submission.objects.filter(uuid=key)
    .update(object_type=…, object_id=…)`` in a statement the ORM need not compile (every
    intake makes it; docs/adr/0034)."""
    row = [result._meta.label_lower, str(result.pk), _UUID.get_db_prep_value(key, connection)]
    update_rows(connection, Submission, ["object_type", "object_id"], [row])


def _replay(key: uuidlib.UUID, kind: str, user):
    submission = Submission.objects.get(uuid=key)  # committed: the claim saw it
    user_id = user.pk if getattr(user, "pk", None) else None
    if submission.kind != kind or submission.user_id != user_id:
        raise IntakeConflict(str(key))
    model = apps.get_model(submission.object_type)
    return model._default_manager.get(pk=submission.object_id)
