"""Photos of a disaster report's version: cleaned by ``lib.photos``, stored here."""

import secrets

from django.core.files.base import ContentFile
from django.utils import timezone

from qianshao.disasters.models import Photo
from qianshao.lib.photos import CleanPhoto


def attach(photos: list[CleanPhoto], version) -> list:
    """Store ``photos`` with ``version`` (inside the action's transaction)."""
    now = timezone.now()
    made = []
    for photo in photos:
        record = Photo(
            version=version,
            token=secrets.token_hex(16),
            width=photo.width,
            height=photo.height,
            created_at=now,
        )
        record.image.save(f"{record.token}.jpg", ContentFile(photo.data), save=False)
        record.save()
        made.append(record)
    return made
