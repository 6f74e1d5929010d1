"""An object's timeline names people by who they are on the grid, not by their login."""

from qianshao.grid.models import Domain
from qianshao.hazards import actions
from qianshao.hazards.views_detail import timeline


def test_a_hazards_timeline_names_the_person_and_post_and_the_system(cast):
    h = actions.report(
        cast.users["village"],
        title="厂房消防通道堵塞",
        description="通道堆放杂物",
        category=Domain.objects.get(code="industry_trade"),
        cell=cast.village,
    )
    actions.return_report(cast.users["township"], h, reason="请补充现场照片")
    actions.resubmit(cast.users["village"], h, description="通道堆放杂物，已拍照")
    actions.accept(None, h)  # the system
    actors = [event.actor for event in timeline(h)]
    assert actors == [
        "village人（一村 网格员）",
        "township人（甲镇 调度员）",
        "village人（一村 网格员）",
        "系统",
    ]


def test_a_department_member_is_named_by_the_department(cast):
    h = actions.report(
        cast.users["department"],
        title="危化品仓库未设警示标志",
        description="缺少警示标志",
        category=Domain.objects.get(code="industry_trade"),
        cell=cast.village,
    )
    assert [e.actor for e in timeline(h)] == ["department人（A县应急管理局 网格员）"]
