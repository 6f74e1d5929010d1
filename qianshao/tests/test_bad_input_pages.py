"""The pages take bad input as the API does: a NUL (which PostgreSQL refuses) in a query
parameter or a form field is a 400 naming it, a body whose Content-Type cannot be parsed a
400 naming Content-Type, and bytes that are not UTF-8 never reach the database as a lone
surrogate — never a 500, nothing written."""

import uuid

import pytest

from qianshao.grid.models import Person
from qianshao.hazards.models import Hazard, PublicReport


def refused(response, field: str) -> bool:
    return response.status_code == 400 and f'data-field="{field}"' in response.text


@pytest.mark.parametrize(
    "url, field",
    [
        ("/hazards/?q=a%00b", "q"),
        ("/grid/search/?q=a%00b", "q"),
        ("/warnings/?cell=a%00b", "cell"),
        ("/disasters/?type=%00", "type"),
    ],
)
def test_a_nul_in_a_page_query_is_a_400_naming_it(cast, client_for, url, field):
    response = client_for(cast.users["county"]).get(url)
    assert refused(response, field), (response.status_code, response.text[:300])


FORM = "application/x-www-form-urlencoded"


def test_a_nul_in_a_form_field_is_a_400_naming_it_and_nothing_is_written(cast, client_for):
    page = client_for(cast.users["county"])
    people = Person.objects.count()
    body = "role=member&name=%E5%BC%A0%00%E4%B8%89&phone=13900000001"
    response = page.generic("POST", f"/grid/{cast.village.code}/assign/", body, FORM)
    assert refused(response, "name"), (response.status_code, response.text[:300])
    assert Person.objects.count() == people


def test_the_login_page_refuses_a_nul_naming_the_field(db, client):
    response = client.generic("POST", "/login/", "username=county%00&password=x", FORM)
    assert refused(response, "username"), response.status_code


def test_a_nul_in_a_multipart_page_form_is_refused_by_the_form_and_nothing_is_written(
    cast, client_for
):
    phone = client_for(cast.users["village"])
    response = phone.post(
        "/m/report/",
        {
            "client_uuid": str(uuid.uuid4()),
            "title": "护栏\x00缺失",
            "description": "桥头",
            "category": "fire",
            "cell": cast.village.code,
        },
    )
    assert response.status_code == 400, response.status_code
    assert not Hazard.objects.exists()


def test_bytes_that_are_not_utf8_in_a_public_form_are_not_a_500(db, client):
    body = b"title=%ED%A0%80&description=%ED%A0%80%ED%A0%80&contact=%00"
    response = client.generic(
        "POST", "/report/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400, response.status_code
    assert not PublicReport.objects.exists()


@pytest.mark.parametrize("content_type", ["multipart/form-data", "text/plain; charset=nope-8"])
def test_a_page_post_with_a_broken_content_type_is_a_400_naming_it(cast, client_for, content_type):
    page = client_for(cast.users["county"])
    response = page.generic(
        "POST", f"/grid/{cast.village.code}/assign/", b"role=member", content_type=content_type
    )
    assert refused(response, "Content-Type"), (response.status_code, response.text[:300])


FAR = ["0001-01-01T00:00", "9999-12-31T23:59", "0001-01-01", "9999-12-31"]


@pytest.mark.parametrize("far", FAR)
def test_a_date_far_out_in_a_page_form_or_query_is_no_500_and_writes_nothing(cast, client_for, far):
    from qianshao.disasters.models import DisasterReport
    from qianshao.warnings.models import Warning

    county = client_for(cast.users["county"])
    village = client_for(cast.users["village"])
    answers = [
        county.get(f"/disasters/board/?day={far}"),
        county.get(f"/disasters/calendar/?day={far}"),
        county.post(
            "/warnings/new/",
            {
                "client_uuid": str(uuid.uuid4()),
                "type": "1",
                "level": "yellow",
                "headline": "暴雨",
                "text": "暴雨",
                "targets": [cast.village.pk],
                "valid_from": far,
                "valid_until": far,
            },
        ),
        village.post(
            "/disasters/new/",
            {
                "client_uuid": str(uuid.uuid4()),
                "type": "flood",
                "started_at": far,
                "cell": cast.village.pk,
                "affected": "1",
            },
        ),
        village.post(
            "/m/report/",
            {
                "client_uuid": str(uuid.uuid4()),
                "title": "护栏",
                "description": "桥头",
                "category": "fire",
                "cell": cast.village.code,
                "found_at": far,
            },
        ),
        county.post(
            f"/grid/{cast.village.code}/assign/",
            {"role": "member", "name": "张三", "phone": "13900000002", "start": far, "end": far},
        ),
    ]
    assert [a.status_code for a in answers if a.status_code >= 500] == []
    assert not Warning.objects.exists()
    assert not DisasterReport.objects.exists()
    assert not Hazard.objects.exists()
