"""Every intake that carries photos writes their files before its transaction, never while
it holds the database's write lock (``lib.photos.stored``); a resend keeps no second copy,
and a block that fails leaves no file behind."""

import base64
import os
import uuid
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from qianshao.disasters.models import Photo as DisasterPhoto
from qianshao.grid.models import Domain
from qianshao.hazards import actions
from qianshao.hazards.models import Photo
from qianshao.hazards.tests.conftest import jpeg
from qianshao.hazards.tests.test_api_steps import api_client
from qianshao.lib import photos
from qianshao.risks import actions_patrols
from qianshao.risks.tests.patrols_helpers import patrolled_point

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def depths(monkeypatch):
    """The atomic blocks open at each file written to storage, beside those the test
    itself runs in (the test's own block)."""
    outside, seen, save = len(connection.atomic_blocks), [], default_storage.save

    def recording(name, content, max_length=None):
        seen.append(len(connection.atomic_blocks) - outside)
        return save(name, content, max_length=max_length)

    monkeypatch.setattr(default_storage, "save", recording)
    return seen


def files(root) -> list[str]:
    return sorted(name for _dir, _subdirs, names in os.walk(root) for name in names)


def photo() -> dict:
    return {"name": "a.jpg", "data": base64.b64encode(jpeg()).decode()}


def hazard_report(**extra) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "title": "厂房消防通道堵塞",
        "description": "通道堆放杂物，无法通行",
        "category": "industry_trade",
        "cell": "450901100201",
        "photos": [photo(), photo()],
    } | extra


def disaster_report() -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "type": "flood",
        "started_at": (timezone.now() - timedelta(minutes=30)).isoformat(),
        "cell": "450901100201",
        "figures": {"affected": 12},
        "photos": [photo()],
    }


def post(client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


def test_a_hazard_report_writes_its_photos_before_its_transaction(cast, media, depths):
    answer = post(api_client(cast.users["village"]), "/api/v1/hazards", hazard_report())
    assert answer.status_code == 201, answer.content
    assert depths == [0, 0]
    assert files(media) == sorted(f"{p.token}.jpg" for p in Photo.objects.all())


def test_a_hazard_reported_on_the_phone_page_writes_its_photo_first_too(cast, media, depths):
    hazard = actions.report(
        cast.users["village"],
        title="山塘渗漏",
        description="坝体渗水",
        category=Domain.objects.get(code="fire"),
        cell=cast.village,
        photo_files=[("现场.jpg", jpeg())],
    )
    assert depths == [0]
    assert [p.image.name for p in hazard.photos.all()] == [
        f"hazards/{timezone.now():%Y/%m}/{hazard.photos.get().token}.jpg"
    ]


def test_a_disaster_report_writes_its_photo_before_its_transaction(cast, media, depths):
    answer = post(api_client(cast.users["village"]), "/api/v1/disasters", disaster_report())
    assert answer.status_code == 201, answer.content
    assert depths == [0]
    assert files(media) == [f"{DisasterPhoto.objects.get().token}.jpg"]


def test_a_check_in_writes_its_photo_before_its_transaction(cast, media, depths):
    point = patrolled_point(cast)
    key = uuid.uuid4()
    for _ in range(2):  # and its resend keeps no second copy
        patrol = actions_patrols.check_in(
            cast.users["village"], point, result="ok", photos=[("a.jpg", jpeg())], client_uuid=key
        )
    assert depths == [0, 0]
    assert [p.image.name.rsplit("/", 1)[-1] for p in patrol.photos.all()] == files(media)


def test_a_resend_keeps_the_first_reports_photos_only(cast, media):
    client, body = api_client(cast.users["village"]), hazard_report()
    assert post(client, "/api/v1/hazards", body).status_code == 201
    assert post(client, "/api/v1/hazards", body).status_code == 200
    assert len(files(media)) == 2 == Photo.objects.count()


def test_the_files_of_a_block_that_fails_are_removed(media):
    cleaned = [photos.clean(jpeg(), "a.jpg"), photos.clean(jpeg(), "b.jpg")]
    with pytest.raises(RuntimeError), photos.stored(cleaned, "hazards") as written:
        assert len(files(media)) == 2 and written == cleaned
        raise RuntimeError("the transaction failed")
    assert files(media) == []
