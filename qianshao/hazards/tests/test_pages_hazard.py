"""A hazard's page: its facts and plan, map point, photos by stage, the timeline from the
audit chain, and exactly the buttons of the steps the viewer may take."""

import json
import re
from html import unescape

import pytest

from qianshao.hazards import actions
from qianshao.hazards.models import Photo, Stage
from qianshao.hazards.permissions import allowed_steps
from qianshao.hazards.tests.access_rules_pages import PATH_TO, hazard_at
from qianshao.hazards.tests.conftest import jpeg

STEP_BUTTON = re.compile(r'data-testid="step-(\w+)"')


def buttons(client, hazard) -> list[str]:
    response = client.get(f"/hazards/{hazard.number}/")
    assert response.status_code == 200
    return STEP_BUTTON.findall(response.content.decode())


@pytest.mark.parametrize("status", sorted(PATH_TO))
def test_the_buttons_are_exactly_the_steps_each_user_may_take(cast, client_for, status):
    hazard = hazard_at(cast, status)
    for name in ["county", "township", "village", "department", "admin"]:
        user = cast.users[name]
        expected = [str(step) for step in allowed_steps(user, hazard)]
        assert buttons(client_for(user), hazard) == expected, (name, status)


def test_the_buttons_differ_between_users_as_the_rules_say(cast, client_for):
    submitted = hazard_at(cast, "submitted")
    verifying = hazard_at(cast, "verifying")
    assert buttons(client_for(cast.users["township"]), submitted) == ["accept", "return", "merge"]
    assert buttons(client_for(cast.users["village"]), submitted) == []
    # The village member rectified it: they may not verify it, nor is it theirs to check.
    assert buttons(client_for(cast.users["village"]), verifying) == []
    assert buttons(client_for(cast.users["county"]), verifying) == ["verify", "reject"]


def test_the_page_shows_the_report_the_plan_and_the_map_point(cast, client_for, category):
    hazard = actions.report(
        cast.users["village"],
        title="山塘<b>渗漏</b>",
        description="坝体渗水\n下游有民房",
        category=category,
        lon=106.1,
        lat=24.1,
        address="一村水库",
    )
    hazard = actions.accept(cast.users["township"], hazard)
    html = client_for(cast.users["township"]).get(f"/hazards/{hazard.number}/").content.decode()
    assert "山塘渗漏" in html and "<b>渗漏" not in html
    assert "坝体渗水<br>下游有民房" in html
    assert "一村水库" in html and "A县应急管理局" in html
    found = re.search(r'data-hazard-map data-geojson="([^"]*)"', html)
    features = json.loads(unescape(found.group(1)))["features"]
    assert [f["geometry"]["type"] for f in features] == ["Polygon", "Point"]
    assert features[1]["geometry"]["coordinates"] == [106.1, 24.1]


def test_the_plan_under_the_five_implementations_is_shown_once_assigned(cast, client_for):
    hazard = hazard_at(cast, "assigned")
    html = client_for(cast.users["county"]).get(f"/hazards/{hazard.number}/").content.decode()
    plan = html[html.index('data-testid="plan"') :]
    for text in ["清理杂物", "village人", "设置警示", hazard.deadline.strftime("%Y-")]:
        assert text in plan


def test_photos_are_grouped_before_during_and_after(cast, client_for):
    hazard = hazard_at(cast, "rectifying")
    actions.progress(
        cast.users["village"], hazard, note="清理一半", photo_files=[("p.jpg", jpeg())]
    )
    actions.submit(
        cast.users["village"], hazard, photo_files=[("a.jpg", jpeg()), ("b.jpg", jpeg())]
    )
    html = client_for(cast.users["township"]).get(f"/hazards/{hazard.number}/").content.decode()
    section = html[html.index('data-testid="photos"') :]
    groups = re.split(r"<h3>", section)[1:4]
    counts = {g.split("</h3>")[0]: g.count("<img ") for g in groups}
    assert counts == {"整改前": 1, "整改中": 1, "整改后": 2}
    for photo in Photo.objects.filter(hazard=hazard):
        assert f"/hazards/photos/{photo.token}.jpg" in section
        assert photo.image.url not in html  # never the public media address


def test_a_photo_is_served_to_those_who_see_its_hazard_only(cast, client_for):
    hazard = hazard_at(cast, "submitted")
    photo = Photo.objects.get(hazard=hazard, stage=Stage.BEFORE)
    url = f"/hazards/photos/{photo.token}.jpg"
    response = client_for(cast.users["village"]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert client_for(cast.users["outsider"]).get(url).status_code == 404
    assert (
        client_for(cast.users["village"]).get(f"/hazards/photos/{'0' * 32}.jpg").status_code == 404
    )


def test_the_timeline_lists_every_step_with_its_note_and_actor(cast, client_for):
    hazard = hazard_at(cast, "closed")
    html = client_for(cast.users["township"]).get(f"/hazards/{hazard.number}/").content.decode()
    timeline = html[html.index('data-testid="timeline"') :]
    actions_shown = re.findall(r'<li data-action="(\w+)">', timeline)
    assert actions_shown == ["report", *PATH_TO["closed"]]
    verify = timeline[timeline.index('data-action="verify"') :]
    assert "已核查" in verify.split("</li>")[0]
    assert "county" in verify.split("</li>")[0]


def test_the_outsider_and_a_missing_number_get_404(cast, client_for):
    hazard = hazard_at(cast, "submitted")
    assert client_for(cast.users["outsider"]).get(f"/hazards/{hazard.number}/").status_code == 404
    missing = client_for(cast.users["county"]).get("/hazards/YH20200101AAAAAA/")
    assert missing.status_code == 404


def test_the_page_reads_a_fixed_number_of_queries(cast, client_for, django_assert_max_num_queries):
    hazard = hazard_at(cast, "verifying")
    client = client_for(cast.users["township"])
    client.get(f"/hazards/{hazard.number}/")
    with django_assert_max_num_queries(25):
        assert client.get(f"/hazards/{hazard.number}/").status_code == 200


def test_a_merge_target_outside_the_viewers_scope_stays_unnamed(cast, client_for):
    target = hazard_at(cast, "accepted", title="二村的原报告", cell=cast.cell("450901100202"))
    duplicate = hazard_at(cast, "submitted", title="一村的重复报告")
    actions.merge(cast.users["township"], duplicate, into=target)
    village = client_for(cast.users["village"]).get(f"/hazards/{duplicate.number}/")
    html = village.content.decode()
    assert "辖区外的隐患" in html
    assert f'href="/hazards/{target.number}/"' not in html and "二村的原报告" not in html
    township = client_for(cast.users["township"])
    assert (
        f'href="/hazards/{target.number}/"'
        in township.get(f"/hazards/{duplicate.number}/").content.decode()
    )
    assert (
        f'href="/hazards/{duplicate.number}/"'
        in township.get(f"/hazards/{target.number}/").content.decode()
    )
