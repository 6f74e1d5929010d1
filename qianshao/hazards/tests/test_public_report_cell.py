"""The public report form with the cell of a cell's public page filled in (issue 12, defect
12): ``/report/?cell=<code>`` chooses the cell (a village below a township is a choice then),
the reporter may still locate, and the report lands in the chosen cell."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_report_form_preselects_the_cell_of_the_public_page(cast):
    html = Client().get("/report/", {"cell": cast.village.code}).content.decode()
    select = html.split('name="cell"', 1)[1].split("</select>", 1)[0]
    chosen = re.findall(r'<option value="(\w*)"[^>]*selected', select)
    assert chosen == [cast.village.code]
    assert "甲镇 一村" in select
    assert "data-locate" in html  # the reporter may still locate
    html = Client().get("/report/", {"cell": cast.township.code}).content.decode()
    select = html.split('name="cell"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="(\w*)"[^>]*selected', select) == [cast.township.code]
    for code in ["450901", "NOPE", ""]:  # a county, an unknown code: nothing chosen
        html = Client().get("/report/", {"cell": code}).content.decode()
        select = html.split('name="cell"', 1)[1].split("</select>", 1)[0]
        assert "selected" not in select.replace('value="" selected', ""), code


def test_a_report_sent_from_the_preselected_cell_lands_in_it(cast):
    from qianshao.hazards.models import PublicReport

    data = {"cell": cast.village.code, "text": "路边山体有裂缝", "anonymous": "1"}
    response = Client().post(
        "/report/", data | {"client_uuid": "6f7c2a1e-5b8d-4c1a-9e0f-1a2b3c4d5e6f"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PublicReport.objects.get().cell == cast.village
    # located: the point is placed within the village's township
    data |= {"lon": "106.1", "lat": "24.3", "text": "另一处裂缝"}
    response = Client().post(
        "/report/", data | {"client_uuid": "7f7c2a1e-5b8d-4c1a-9e0f-1a2b3c4d5e6f"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PublicReport.objects.latest("pk").cell.code == "450901100202"
