"""Photos of a disaster report's version: cleaned by ``lib.photos``, stored here."""

from django.utils import timezone

from qianshao.disasters.models import Photo
from qianshao.lib import photos as lib_photos
from qianshao.lib.photos import CleanPhoto, as_file

FOLDER = "disasters"


def stored(photos: list[CleanPhoto]):
    """``lib.photos.stored`` in the disasters' folder: the files written before the
    transaction that records them."""
    return lib_photos.stored(photos, FOLDER)


def attach(photos: list[CleanPhoto], version) -> list:
    """Record ``photos`` (``stored`` already) with ``version`` (inside the action's
    transaction)."""
    now = timezone.now()
    made = []
    for photo in photos:
        record = Photo(
            version=version,
            token=photo.token,
            width=photo.width,
            height=photo.height,
            created_at=now,
        )
        record.image.name = as_file(photo)
        record.save()
        made.append(record)
    return made
