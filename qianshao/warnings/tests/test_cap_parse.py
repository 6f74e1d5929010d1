"""Reading CAP 1.2: the public samples parse; a document we cannot take is refused with a
reason that names what is wrong (and nothing is written: test_cap_import.py)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from qianshao.warnings import cap
from qianshao.warnings.cap import CapError
from qianshao.warnings.tests.access_rules_cap import alert_xml, sample

GOOD = "<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'>{}</alert>"
HEAD = (
    "<identifier>X1</identifier><sender>s@example.cn</sender>"
    "<sent>2026-08-26T16:09:13+08:00</sent><status>Actual</status>"
    "<msgType>Alert</msgType><scope>Public</scope>"
)
INFO = (
    "<info><category>Met</category><event>暴雨</event><urgency>Expected</urgency>"
    "<severity>Moderate</severity><certainty>Likely</certainty>{}</info>"
)


def refusal(data: bytes | str) -> str:
    with pytest.raises(CapError) as refused:
        cap.parse(data.encode() if isinstance(data, str) else data)
    assert refused.value.field == "file"
    assert refused.value.status == 400
    return refused.value.message


def test_it_reads_the_seychelles_sample_with_its_polygon_latitude_first():
    alert = cap.parse(sample("sc-valid.xml"))
    assert alert.identifier == "urn:oid:2.49.0.0.690.0.2024.5.19.13.18.0"
    assert alert.sender == "info@meteo.gov.sc"
    assert alert.sent == datetime(2024, 5, 19, 13, 18, tzinfo=UTC)
    assert (alert.status, alert.msg_type, alert.scope) == ("Actual", "Alert", "Public")
    [info] = alert.infos
    assert (info.language, info.event, info.severity) == ("en", "Strong Winds", "Moderate")
    assert info.expires == datetime(2024, 5, 19, 23, 30, tzinfo=timezone(timedelta(hours=4)))
    [area] = info.areas
    assert area.desc == "Aldabra area"
    assert area.polygons[0][0] == (-9.186965, 46.078276)
    assert area.polygons[0][0] == area.polygons[0][-1]


def test_it_reads_the_togo_sample_with_two_areas_and_a_minus_zero_offset():
    alert = cap.parse(sample("tg-valid.xml"))
    assert alert.sent == datetime(2024, 6, 6, 15, 15, tzinfo=UTC)
    assert [a.desc for a in alert.infos[0].areas] == ["Plateaux", "Maritime"]


def test_it_reads_the_burkina_faso_sample_with_its_large_polygon():
    alert = cap.parse(sample("bf-valid.xml"))
    [info] = alert.infos
    assert info.response_types == ["Shelter"]
    assert len(info.areas[0].polygons[0]) > 10_000


def test_it_reads_geocodes_references_and_circles():
    alert = cap.parse(
        alert_xml(
            msg_type="Update",
            references=["nmc@weather.example.cn,ID1,2026-08-26T16:09:13+08:00"],
            circles=["24.2,106.1 5"],
        )
    )
    assert alert.references == [
        cap.Reference("nmc@weather.example.cn", "ID1", "2026-08-26T16:09:13+08:00")
    ]
    area = alert.infos[0].areas[0]
    assert area.geocodes == [cap.Geocode("CPEAS Geographic Code", "450901000000")]
    assert area.circles == [(24.2, 106.1, 5.0)]


def test_it_refuses_what_is_not_xml_saying_where_it_broke():
    assert refusal("<alert><identifier>x</alert>") == "不是有效的 XML：第 1 行第 23 列出错"
    assert refusal("这不是 XML").startswith("不是有效的 XML：第 1 行")
    assert refusal(b"") == "文件为空，请上传 CAP 1.2 XML 文件"


def test_it_refuses_a_dtd_or_entities():
    bomb = '<!DOCTYPE alert [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]><alert>&b;</alert>'
    assert refusal(bomb) == "XML 中含有 DTD 或实体声明，出于安全原因不予读取"


def test_it_refuses_the_wrong_namespace_naming_both():
    old = sample("sc-valid.xml").replace(b"emergency:cap:1.2", b"emergency:cap:1.1")
    assert refusal(old) == (
        "命名空间不是 CAP 1.2：应为 urn:oasis:names:tc:emergency:cap:1.2，"
        "实为 urn:oasis:names:tc:emergency:cap:1.1"
    )
    assert "实为 （无）" in refusal("<alert>" + HEAD + "</alert>")


def test_it_refuses_a_document_that_is_not_a_cap_alert():
    # The "invalid schema" sample of the Seychelles is an XML Schema document itself.
    assert refusal(sample("sc-invalid-schema.xml")) == (
        "不是 CAP 消息：根元素是 <schema>，应为 CAP 1.2 的 <alert>"
    )
    assert refusal("<html><body>404</body></html>") == (
        "不是 CAP 消息：根元素是 <html>，应为 CAP 1.2 的 <alert>"
    )


def test_it_refuses_an_rss_page_as_a_feed_not_a_message():
    rss = '<rss version="2.0"><channel><title>预警</title></channel></rss>'
    assert refusal(rss) == "这是订阅源（RSS/Atom），不是 CAP 消息；请上传单条 CAP 1.2 XML"


def test_it_refuses_the_invalid_samples_naming_the_missing_element():
    assert refusal(sample("bf-invalid-schema.xml")) == "缺少必需的元素 <severity>（在 <info> 中）"
    assert refusal(sample("tg-invalid-schema.xml")) == "缺少必需的元素 <certainty>（在 <info> 中）"


@pytest.mark.parametrize("element", ["identifier", "sender", "sent", "status", "msgType", "scope"])
def test_it_refuses_an_alert_missing_a_required_element(element):
    start = HEAD.index(f"<{element}>")
    end = HEAD.index(f"</{element}>") + len(element) + 3
    document = GOOD.format(HEAD[:start] + HEAD[end:])
    assert refusal(document) == f"缺少必需的元素 <{element}>（在 <alert> 中）"


def test_it_refuses_an_area_without_its_description_and_a_geocode_without_a_value():
    no_desc = GOOD.format(HEAD + INFO.format("<area><polygon/></area>"))
    assert refusal(no_desc) == "缺少必需的元素 <areaDesc>（在 <area> 中）"
    no_value = "<area><areaDesc>A</areaDesc><geocode><valueName>x</valueName></geocode></area>"
    assert refusal(GOOD.format(HEAD + INFO.format(no_value))) == (
        "缺少必需的元素 <value>（在 <geocode> 中）"
    )


def test_it_refuses_values_outside_the_enumerations():
    assert refusal(GOOD.format(HEAD.replace(">Actual<", ">Real<"))) == (
        "<status> 的值“Real”不是 CAP 1.2 允许的取值（Actual、Exercise、System、Test、Draft）"
    )
    weather = GOOD.format(HEAD + INFO.replace(">Met<", ">Weather<").format(""))
    assert refusal(weather).startswith("<category> 的值“Weather”不是 CAP 1.2 允许的取值")
    shelter = GOOD.format(
        HEAD + INFO.format("").replace("<urgency>", "<responseType>Hide</responseType><urgency>")
    )
    assert refusal(shelter).startswith("<responseType> 的值“Hide”")


def test_it_refuses_times_ending_in_z_or_without_an_offset():
    z = GOOD.format(HEAD.replace("+08:00", "Z"))
    assert refusal(z) == (
        "<sent> 的时间“2026-08-26T16:09:13Z”须带明确的时区偏移（如 +08:00），"
        "CAP 1.2 不允许以 Z 结尾"
    )
    bare = GOOD.format(HEAD.replace("+08:00", ""))
    assert refusal(bare) == (
        "<sent> 的时间“2026-08-26T16:09:13”格式不对，应如 2026-08-26T16:09:13+08:00"
    )
    bad_day = GOOD.format(HEAD.replace("08-26", "13-45"))
    assert refusal(bad_day).startswith("<sent> 的时间“2026-13-45T16:09:13+08:00”格式不对")
    expires = INFO.format("<expires>2026-08-26T20:00:00Z</expires>")
    assert refusal(GOOD.format(HEAD + expires)).startswith("<expires> 的时间")


def test_it_refuses_a_polygon_that_is_open_or_too_short():
    def with_polygon(points: str) -> str:
        area = f"<area><areaDesc>A</areaDesc><polygon>{points}</polygon></area>"
        return GOOD.format(HEAD + INFO.format(area))

    expected = "<polygon> 须首尾闭合（首点与末点相同）且至少有 4 个点"
    assert refusal(with_polygon("24,106 24,107 25,107 25,106")) == expected
    assert refusal(with_polygon("24,106 24,107 24,106")) == expected
    assert refusal(with_polygon("24;106 24,107 25,107 24;106")) == (
        "<polygon> 须为以空格分隔的“纬度,经度”坐标对"
    )
    assert refusal(with_polygon("106,24 107,24 107,25 106,24")) == (
        "<polygon> 须为以空格分隔的“纬度,经度”坐标对"  # a latitude of 106 is no latitude
    )


def test_it_refuses_a_bad_circle_and_bad_references():
    circle = "<area><areaDesc>A</areaDesc><circle>24.1,106.1</circle></area>"
    assert refusal(GOOD.format(HEAD + INFO.format(circle))) == (
        "<circle> 须为“纬度,经度 半径（公里）”"
    )
    update = HEAD.replace(">Alert<", ">Update<")
    assert refusal(GOOD.format(update)) == "Update 消息须带 <references>，指明所更新或解除的预警"
    broken = update + "<references>s@example.cn,X0</references>"
    assert refusal(GOOD.format(broken)) == (
        "<references> 中的“s@example.cn,X0”不是“发送者,标识符,发送时间”三元组"
    )
