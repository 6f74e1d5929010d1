"""Hazard photos: cleaned by ``lib.photos`` (the same for every area), stored here."""

from django.utils import timezone

from qianshao.hazards.models import Photo
from qianshao.lib import photos as lib_photos
from qianshao.lib.photos import MAX_PHOTOS, CleanPhoto, as_file, clean, clean_all

__all__ = ["FOLDER", "MAX_PHOTOS", "CleanPhoto", "attach", "clean", "clean_all", "stored"]

FOLDER = "hazards"


def stored(photos: list[CleanPhoto]):
    """``lib.photos.stored`` in the hazards' folder: the files written before the
    transaction that records them."""
    return lib_photos.stored(photos, FOLDER)


def attach(photos: list[CleanPhoto], stage: str, user, *, hazard=None, public_report=None):
    """Record ``photos`` (``stored`` already) for a hazard or a public report (inside the
    action's transaction)."""
    now = timezone.now()
    made = []
    for photo in photos:
        record = Photo(
            hazard=hazard,
            public_report=public_report,
            stage=stage,
            token=photo.token,
            width=photo.width,
            height=photo.height,
            uploaded_by=user if getattr(user, "pk", None) else None,
            created_at=now,
        )
        record.image.name = as_file(photo)
        record.save()
        made.append(record)
    return made
