"""Hazard photos: cleaned by ``lib.photos`` (the same for every area), stored here."""

import secrets

from django.core.files.base import ContentFile
from django.utils import timezone

from qianshao.hazards.models import Photo
from qianshao.lib.photos import MAX_PHOTOS, CleanPhoto, clean, clean_all

__all__ = ["MAX_PHOTOS", "CleanPhoto", "attach", "clean", "clean_all"]


def attach(photos: list[CleanPhoto], stage: str, user, *, hazard=None, public_report=None):
    """Store ``photos`` for a hazard or a public report (inside the action's transaction)."""
    now = timezone.now()
    made = []
    for photo in photos:
        record = Photo(
            hazard=hazard,
            public_report=public_report,
            stage=stage,
            token=secrets.token_hex(16),
            width=photo.width,
            height=photo.height,
            uploaded_by=user if getattr(user, "pk", None) else None,
            created_at=now,
        )
        record.image.save(f"{record.token}.jpg", ContentFile(photo.data), save=False)
        record.save()
        made.append(record)
    return made
