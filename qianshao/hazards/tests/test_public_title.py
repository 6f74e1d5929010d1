"""The default title of the hazard a public report becomes: cut at a phrase, not mid-way."""

import pytest

from qianshao.hazards.tests.access_rules_public import send
from qianshao.hazards.titles import default_title

TEN = "一二三四五六七八九十"
LONG = "村口老桥的桥墩出现明显裂缝，雨后裂缝变宽，每天有学生和农用车从桥上通过，非常危险"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (LONG, "村口老桥的桥墩出现明显裂缝，雨后裂缝变宽"),
        ("山体滑坡。", "山体滑坡"),
        ("油桶堆放在学校门口", "油桶堆放在学校门口"),
        (
            "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三",
            "一二三四五六七八九十" * 3,
        ),
        ("发现 一处 隐患" + "很" * 40, "发现 一处"),
        (
            "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十。后面",
            "一二三四五六七八九十" * 3,
        ),
        ("  ！！", "！！"),
    ],
)
def test_the_default_title_ends_at_a_phrase_within_the_limit(text, title):
    assert default_title(text) == title


@pytest.mark.parametrize("text", [LONG, "路灯不亮，" * 10, "a, b, c; " * 10, "“桥塌了”" * 10])
def test_the_default_title_never_ends_on_punctuation(text):
    made = default_title(text)
    assert 0 < len(made) <= 30
    assert made[-1] not in "。！？；，、!?;,：:”）) "


@pytest.mark.django_db
def test_the_accept_form_offers_the_title_cut_at_a_phrase(cast, client_for):
    report = send(cast, text=LONG)
    page = client_for(cast.users["township"]).get(f"/hazards/public/{report.tracking_code}/")
    html = page.content.decode()
    assert 'value="村口老桥的桥墩出现明显裂缝，雨后裂缝变宽"' in html
    assert 'value="村口老桥的桥墩出现明显裂缝，雨后裂缝变宽，每天有学' not in html
