"""Photos from phones: re-encoded as fresh JPEGs — EXIF (GPS and device included) and
anything hidden after the image data gone, orientation applied — and refused, naming the
field and the file, when they are not images, too large, too many or too big in pixels."""

import io
import os

import pytest
from PIL import Image

from qianshao.hazards import actions, photos
from qianshao.hazards.models import Photo, Stage, Status
from qianshao.hazards.tests.conftest import jpeg, nothing_changes
from qianshao.lib import photos as lib_photos
from qianshao.lib.errors import ActionError

GPS_IFD = 0x8825
MAKE, MODEL, ORIENTATION, DATETIME = 0x010F, 0x0110, 0x0112, 0x0132


def with_exif(width=64, height=48, orientation=1) -> bytes:
    """A JPEG carrying the EXIF a phone writes: device, time, orientation and GPS."""
    exif = Image.Exif()
    exif[MAKE], exif[MODEL] = "PhoneMaker", "Model X"
    exif[DATETIME] = "2026:03:01 10:00:00"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (24.0, 21.0, 3.5), 3: "E", 4: (106.0, 33.0, 1.2)})
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 40)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_exif_with_gps_and_the_device_is_stripped():
    original = with_exif()
    assert opened(original).getexif().get_ifd(GPS_IFD), "the fixture carries GPS"
    clean = photos.clean(original, "现场.jpg")
    image = opened(clean.data)
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {} and image.getexif().get_ifd(GPS_IFD) == {}
    assert b"Exif" not in clean.data and b"PhoneMaker" not in clean.data
    assert (clean.width, clean.height) == (64, 48)


def test_the_orientation_is_applied_before_it_is_dropped():
    clean = photos.clean(with_exif(64, 48, orientation=6))  # taken holding the phone upright
    assert (clean.width, clean.height) == opened(clean.data).size == (48, 64)


def test_anything_hidden_after_the_image_is_dropped():
    clean = photos.clean(jpeg() + b"<?php system($_GET['c']); ?>")
    assert b"php" not in clean.data


@pytest.mark.parametrize("kind", ["PNG", "WEBP"])
def test_png_and_webp_become_jpeg(kind):
    out = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 0, 255, 128)).save(out, kind)
    image = opened(photos.clean(out.getvalue()).data)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (30, 20))


def test_a_large_photo_is_shrunk_to_the_longest_side(monkeypatch):
    monkeypatch.setattr(lib_photos, "LONGEST_SIDE", 40)
    clean = photos.clean(jpeg(200, 100))
    assert (clean.width, clean.height) == (40, 20)


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, "GIF")
    return out.getvalue()


REFUSED = [
    # (what, files, words in the message)
    ("text pretending to be a photo", [("现场.jpg", b"just some text")], "现场.jpg"),
    ("an empty file", [("空.jpg", b"")], "空.jpg"),
    ("a truncated JPEG", [("半张.jpg", jpeg(400, 300)[:300])], "半张.jpg"),
    ("a GIF", [("动图.gif", gif())], "JPEG、PNG 或 WebP"),
    ("a good photo and a bad one", [("好.jpg", jpeg()), ("坏.jpg", b"%PDF-1.7")], "坏.jpg"),
    ("ten photos", [(f"{i}.jpg", jpeg()) for i in range(10)], "9"),
]


@pytest.mark.parametrize(
    "files, words", [row[1:] for row in REFUSED], ids=[row[0] for row in REFUSED]
)
def test_what_is_not_a_photo_is_refused_naming_the_field_and_the_file(files, words):
    with pytest.raises(ActionError) as caught:
        photos.clean_all(files)
    assert caught.value.field == "photos"
    assert words in caught.value.message


def test_a_photo_over_the_size_limit_is_refused_before_it_is_decoded(settings, monkeypatch):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    monkeypatch.setattr(Image, "open", lambda *a, **k: pytest.fail("decoded"))
    with pytest.raises(ActionError) as caught:
        photos.clean_all([("大图.jpg", jpeg() + bytes(1024 * 1024))], field="after_photos")
    assert caught.value.field == "after_photos"
    assert "大图.jpg" in caught.value.message and "1 MB" in caught.value.message


def test_a_photo_with_too_many_pixels_is_refused(monkeypatch):
    monkeypatch.setattr(lib_photos, "MAX_PIXELS", 1000)
    with pytest.raises(ActionError) as caught:
        photos.clean(jpeg(64, 48), "巨幅.jpg")
    assert caught.value.field == "photos" and "像素" in caught.value.message


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root) -> list[str]:
    return sorted(name for _dir, _subdirs, names in os.walk(root) for name in names)


def test_a_reported_photo_is_stored_clean(cast, category, media):
    h = actions.report(
        cast.users["village"],
        title="t",
        description="d",
        category=category,
        cell=cast.village,
        photo_files=[("现场.jpg", with_exif())],
    )
    [photo] = Photo.objects.filter(hazard=h)
    assert (photo.stage, photo.uploaded_by, photo.width, photo.height) == (
        Stage.BEFORE,
        cast.users["village"],
        64,
        48,
    )
    with photo.image.open("rb") as stored:
        data = stored.read()
    assert b"Exif" not in data and opened(data).format == "JPEG"
    assert stored_files(media) == [f"{photo.token}.jpg"]


def test_a_refused_step_with_photos_stores_no_file(cast, hazard_in, media):
    h = hazard_in(Status.RECTIFYING)
    before = stored_files(media)
    for files, note in [
        ([("after.jpg", jpeg()), ("bad.jpg", b"not an image")], ""),
        ([("after.jpg", jpeg())], "长" * 4001),  # the note refused: no photo kept
    ]:
        with nothing_changes(), pytest.raises(ActionError):
            actions.submit(cast.users["village"], h, note=note, photo_files=files)
    with nothing_changes(), pytest.raises(ActionError):
        actions.submit(cast.users["county"], h, photo_files=[("after.jpg", jpeg())])
    assert stored_files(media) == before
