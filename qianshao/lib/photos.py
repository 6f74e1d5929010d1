"""Photos from phones: checked to be real images within the size limit, then re-encoded as
JPEG — which drops EXIF (GPS, device) and anything hidden after the image data — and
written to storage before the transaction that records them (``stored``); each area records
them its own way (``hazards.photos``, ``disasters.photos``, a check-in's photos)."""

import contextlib
import io
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from qianshao.lib.errors import ActionError

FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 50_000_000
LONGEST_SIDE = 2560
MAX_PHOTOS = 9


@dataclass
class CleanPhoto:
    data: bytes
    width: int
    height: int
    token: str = ""  # once ``stored``: its token and its file's name in storage
    name: str = ""


def clean(data: bytes, name: str = "", field: str = "photos") -> CleanPhoto:
    """The photo as a fresh JPEG, or ActionError naming ``field`` and the file."""
    label = name or _("照片")
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise ActionError(
            _("%(f)s 超过 %(m)s MB")
            % {"f": label, "m": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
            field,
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in FORMATS:
                raise ActionError(_("%(f)s 不是 JPEG、PNG 或 WebP 图片") % {"f": label}, field)
            if image.width * image.height > MAX_PIXELS:
                raise ActionError(_("%(f)s 像素过多") % {"f": label}, field)
            image.load()
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise ActionError(_("%(f)s 不是有效的图片") % {"f": label}, field) from exc
    picture.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    out = io.BytesIO()
    # without optimize=True: its second pass over the Huffman tables takes three times the
    # encoding's time (1.7 ms more for a 640×480 photo) for a file about 5 % smaller
    picture.save(out, "JPEG", quality=85)
    return CleanPhoto(out.getvalue(), picture.width, picture.height)


def read_photos(files, field: str = "photos") -> list[tuple[str, bytes]]:
    """(name, bytes) of uploaded files; an oversize file is refused before it is read."""
    limit = settings.UPLOAD_MAX_BYTES
    for upload in files:
        if upload.size > limit:
            raise ActionError(
                _("%(f)s 超过 %(m)s MB") % {"f": upload.name, "m": limit // (1024 * 1024)}, field
            )
    return [(upload.name, upload.read()) for upload in files]


def jpeg_response(image, max_age: int = 86400) -> FileResponse:
    """A stored photo (``image``: its FileField value) for someone allowed to see it: private
    to their browser's cache, never a public media URL; 404 when its file is gone."""
    try:
        handle = image.open("rb")
    except FileNotFoundError as exc:
        raise Http404(image.name) from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = f"private, max-age={max_age}"
    return response


def clean_all(files, field: str = "photos") -> list[CleanPhoto]:
    """``files``: (name, bytes) pairs, or photos cleaned already (passed through): a caller
    that wraps an action in a transaction (idempotent intake) cleans first, so that the
    re-encoding — most of a report's time with real phone photos — holds no lock."""
    files = list(files)
    if len(files) > MAX_PHOTOS:
        raise ActionError(_("最多上传 %(n)s 张照片") % {"n": MAX_PHOTOS}, field)
    return [f if isinstance(f, CleanPhoto) else clean(f[1], f[0], field) for f in files]


@contextlib.contextmanager
def stored(photos: list[CleanPhoto], folder: str):
    """``photos`` written to storage before the transaction that records them (the block),
    so that no file is written while the database's write lock is held: each given a
    token and its file ``<folder>/<YYYY>/<MM>/<token>.jpg``. Photos stored already (by a
    caller that opens a transaction around the action: ``intake.submit``) pass through and
    stay the caller's. Yields those written here; they are removed again when the block
    raises, as nothing then records them. A record takes its file by name (``as_file``)."""
    written = []
    try:
        for photo in photos:  # none, for most of the intakes that pass through here
            if not photo.name:
                photo.token = secrets.token_hex(16)
                name = f"{folder}/{timezone.now():%Y/%m}/{photo.token}.jpg"
                photo.name = default_storage.save(name, ContentFile(photo.data))
                written.append(photo)
        yield written
    except BaseException:
        discard(written)
        raise


def discard(photos: list[CleanPhoto]) -> None:
    """Remove the files of ``photos`` that no record came to hold (a resend answered with
    the first submission's result)."""
    for photo in photos:
        if photo.name:
            default_storage.delete(photo.name)


def as_file(photo: CleanPhoto) -> str:
    """The name a record's file field takes for ``photo``, which ``stored`` wrote."""
    if not photo.name:
        raise ValueError("a photo is stored (lib.photos.stored) before it is recorded")
    return photo.name
