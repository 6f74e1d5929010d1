"""Warnings in the demo county, with a realistic 叫应 history.

Played through the real actions and the real chase sweep with the clock moved back
(time-machine, as the hazards' demo does; docs/adr/0008):

- 20 days ago, a blue forest-fire warning to the whole county, answered and expired;
- 6 days ago, an orange rainstorm warning to three townships: most answered within
  minutes by the SMS link, some only after the chase, a few never; 泗城镇 relayed it to
  its villages with added instructions; some reported acting and evacuations; then it was
  cancelled (解除) when the rain eased;
- half an hour ago, a yellow geological-hazard warning to 泗城镇, still in force: some
  have answered, the `village` demo user has not yet;

and the county's message templates (预警信息模板) for the common types at each level.
"""

import random
from datetime import timedelta

import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from qianshao.grid.demo import COUNTY
from qianshao.grid.models import Cell
from qianshao.warnings import actions, sweep
from qianshao.warnings.models import (
    Answer,
    Channel,
    Delivery,
    Level,
    WarningTemplate,
    WarningType,
)

# 泗城镇, 下甲镇, 伶站瑶族乡: 42 of the county's 110 villages and communities, under the
# approval threshold (a warning to half of them is issued only after a second person approves)
TOWNSHIPS = ["451027100", "451027103", "451027201"]


def build() -> int:
    rng = random.Random("warnings:" + COUNTY)
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["county", "township", "village"])
    }
    county = Cell.objects.get(code=COUNTY)
    types = {t.code: t for t in WarningType.objects.all()}
    now = timezone.now()
    templates(types)
    _forest_fire(users, county, types, rng, now - timedelta(days=20))
    _rainstorm(users, types, rng, now - timedelta(days=6))
    _geohazard(users, types, rng, now - timedelta(minutes=30))
    return 3


# The county's wording per type and level: (type code, its name in the headline, the
# text per level, the instruction per level), red first. The levels' meaning follows the
# national signals (暴雨: the rain expected and how soon; the others: how likely).
ORDER = [Level.RED, Level.ORANGE, Level.YELLOW, Level.BLUE]
WORDING = [
    (
        "rainstorm",
        "暴雨",
        [
            "预计未来3小时内我县部分乡镇降雨量将达100毫米以上，或已达100毫米以上且降雨仍将持续，"
            "山洪、地质灾害、城乡内涝风险极高。",
            "预计未来3小时内我县部分乡镇降雨量将达50毫米以上，或已达50毫米以上且降雨仍将持续，"
            "山洪、地质灾害风险高。",
            "预计未来6小时内我县部分乡镇降雨量将达50毫米以上，或已达50毫米以上且降雨可能持续。",
            "预计未来12小时内我县部分乡镇降雨量将达50毫米以上，或已达50毫米以上且降雨可能持续。",
        ],
        [
            "立即组织山洪、地质灾害危险区和低洼易涝区群众转移，转移不漏一户、不漏一人；"
            "停止集会、停课停业（除特殊行业外）；各村“两委”干部、网格员24小时在岗，"
            "每2小时报告一次情况。",
            "立即转移危险区群众；加密巡查河道、山塘水库、隐患点；暂停户外作业和集会；"
            "网格员入户通知到人，发现险情立即报告。",
            "危险区群众做好转移准备；网格员加强巡查河道、山塘、隐患点，提醒群众不到河边、"
            "沟谷逗留；发现险情立即报告。",
            "关注天气变化，检查排水设施；网格员提醒群众雨天减少外出，不在河边、沟谷逗留。",
        ],
    ),
    (
        "geohazard",
        "地质灾害气象风险",
        [
            "受强降雨影响，未来24小时我县部分乡镇发生地质灾害的风险很高。",
            "受持续降雨影响，未来24小时我县部分乡镇发生地质灾害的风险高。",
            "受降雨影响，未来24小时我县部分乡镇发生地质灾害的风险较高。",
            "受降雨影响，未来24小时我县部分乡镇有一定的地质灾害风险。",
        ],
        [
            "立即组织隐患点受威胁群众撤离避让，转移不漏一户、不漏一人；群测群防员24小时监测，"
            "严禁群众返回危险区。",
            "隐患点受威胁群众立即转移避让；群测群防员加密巡查，发现裂缝、异响、渗水等异常立即报告。",
            "群测群防员加密巡查隐患点，发现异常立即组织避让。",
            "群测群防员按时巡查隐患点，提醒群众雨天远离陡坎、边坡。",
        ],
    ),
    (
        "flash_flood",
        "山洪灾害",
        [
            "受强降雨影响，未来6小时我县部分乡镇发生山洪灾害的可能性很大。",
            "受强降雨影响，未来6小时我县部分乡镇发生山洪灾害的可能性大。",
            "受降雨影响，未来12小时我县部分乡镇发生山洪灾害的可能性较大。",
            "受降雨影响，未来24小时我县部分乡镇可能发生山洪灾害。",
        ],
        [
            "立即组织沿河、沟谷、低洼地带群众转移到安全地带；严禁人员车辆涉水过河；"
            "各村“两委”干部、网格员24小时在岗。",
            "立即转移沿河、沟谷危险区群众；关闭涉水道路和漫水桥；加密巡查河道水位。",
            "沿河、沟谷群众做好转移准备；网格员巡查河道水位，提醒群众不到河边逗留。",
            "关注雨情水情，网格员提醒群众不在河边、沟谷逗留。",
        ],
    ),
    (
        "forest_fire",
        "森林火险",
        [
            "我县天气持续晴燥，森林火险气象等级为五级，林区可燃物极易燃烧，火势极易蔓延。",
            "我县天气晴燥，森林火险气象等级为四级，林区可燃物容易燃烧，火势容易蔓延。",
            "未来三天我县天气晴燥，森林火险气象等级为三级，林区野外用火易引发山火。",
            "未来三天我县天气晴好，森林火险气象等级为二级，林区有发生山火的可能。",
        ],
        [
            "全面禁止野外用火；护林员、网格员全员上岗巡山守卡；扑火队伍集结待命；"
            "发现火情立即报告并组织扑救。",
            "严禁野外用火；护林员加强巡山，重点路口设卡检查；扑火队伍做好出动准备；"
            "发现火情立即报告。",
            "严禁野外用火；护林员加强巡山；发现火情立即报告。",
            "提醒群众文明祭扫、安全用火；护林员按时巡山。",
        ],
    ),
]


def templates(types: dict) -> int:
    """The county's message templates (预警信息模板) for the common types and levels:
    kept as they are when there already (the admin's edits stay)."""
    made = 0
    for code, name, texts, instructions in WORDING:
        for level, text, instruction in zip(ORDER, texts, instructions, strict=True):
            _t, created = WarningTemplate.objects.get_or_create(
                type=types[code],
                level=level,
                defaults={
                    "headline": f"凌云县发布{name}{level.label}预警",
                    "text": text,
                    "instruction": instruction,
                },
            )
            made += created
    return made


def _forest_fire(users, county, types, rng, at) -> None:
    with time_machine.travel(at, tick=False) as clock:
        w = actions.draft(
            users["county"],
            type=types["forest_fire"],
            level=Level.BLUE,
            headline="凌云县应急管理局发布森林火险蓝色预警",
            text="未来三天我县天气晴燥，森林火险气象等级较高，林区野外用火易引发山火。",
            instruction="严禁野外用火；护林员加强巡山；发现火情立即报告。",
            targets=[county],
            valid_until=at + timedelta(days=3),
            sender_name="凌云县应急管理局",
        )
        w = actions.issue(users["county"], w)
        late = _answer_most(w, rng, clock, at, share=0.9)
        for hours in (2, 4):
            clock.move_to(at + timedelta(hours=hours, minutes=1))
            sweep.sweep(timezone.now())
        for d in late[: len(late) // 2]:
            clock.move_to(at + timedelta(hours=rng.uniform(2.1, 3.9)))
            _answer(d, Answer.RECEIVED, Channel.LINK)
        clock.move_to(at + timedelta(days=3, minutes=1))
        sweep.sweep(timezone.now())  # expires it


def _rainstorm(users, types, rng, at) -> None:
    targets = list(Cell.objects.filter(code__in=TOWNSHIPS).order_by("code"))
    with time_machine.travel(at, tick=False) as clock:
        w = actions.draft(
            users["county"],
            type=types["rainstorm"],
            level=Level.ORANGE,
            headline="凌云县气象台发布暴雨橙色预警",
            text="预计未来12小时内，泗城镇、下甲镇、伶站瑶族乡累计降雨量将达100毫米以上，"
            "山洪、地质灾害风险高。",
            instruction="立即转移山洪、地质灾害危险区群众；加密巡查河道、山塘、隐患点；"
            "停止户外作业。",
            targets=targets,
            valid_until=at + timedelta(hours=24),
            sender_name="凌云县气象台",
        )
        w = actions.issue(users["county"], w)
        clock.move_to(at + timedelta(minutes=12))
        relay = actions.relay(
            users["township"],
            w,
            targets=[Cell.objects.get(code="451027100")],
            instruction="各村“两委”干部立即入户通知危险区群众，今晚 20 时前完成转移，"
            "转移情况报镇应急办。",
        )
        late = _answer_most(w, rng, clock, at, share=0.8)
        clock.move_to(at + timedelta(minutes=31))
        sweep.sweep(timezone.now())  # the township's dispatchers are told who is late
        for d in late[: len(late) // 2]:
            clock.move_to(at + timedelta(minutes=rng.uniform(32, 58)))
            _answer(d, Answer.RECEIVED, Channel.LINK)
        clock.move_to(at + timedelta(minutes=61))
        sweep.sweep(timezone.now())  # the rest: the county is told
        _acting_and_done(w, rng, clock, at)
        clock.move_to(at + timedelta(hours=18))
        actions.cancel(users["county"], w, reason="降雨明显减弱，解除暴雨橙色预警。")
    assert relay.parent_id == w.pk


def _geohazard(users, types, rng, at) -> None:
    with time_machine.travel(at, tick=False) as clock:
        w = actions.draft(
            users["county"],
            type=types["geohazard"],
            level=Level.YELLOW,
            headline="凌云县发布地质灾害气象风险黄色预警",
            text="受持续降雨影响，泗城镇地质灾害气象风险较高，注意防范崩塌、滑坡。",
            instruction="群测群防员加密巡查隐患点，发现异常立即组织避让。",
            targets=[Cell.objects.get(code="451027100")],
            valid_until=at + timedelta(hours=36),
            sender_name="凌云县自然资源局",
        )
        w = actions.issue(users["county"], w)
        waiting = list(Delivery.objects.filter(warning=w).exclude(person__user=users["village"]))
        for d in rng.sample(waiting, k=len(waiting) // 2):
            clock.move_to(at + timedelta(minutes=rng.uniform(1, 25)))
            _answer(d, Answer.RECEIVED, rng.choice([Channel.LINK, Channel.LINK, Channel.PHONE]))


def _answer_most(w, rng, clock, at, share: float) -> list[Delivery]:
    """Most recipients answer within the first quarter hour; returns those who did not
    (a township that relayed it has answered already)."""
    deliveries = list(Delivery.objects.filter(warning=w, answer="").order_by("pk"))
    rng.shuffle(deliveries)
    quick = int(len(deliveries) * share)
    for d in sorted(deliveries[:quick], key=lambda d: d.pk):
        clock.move_to(at + timedelta(minutes=rng.uniform(1, 14)))
        _answer(d, Answer.RECEIVED, rng.choice([Channel.LINK, Channel.LINK, Channel.PHONE]))
    return deliveries[quick:]


def _acting_and_done(w, rng, clock, at) -> None:
    """Village heads report acting, then done with the people they moved."""
    heads = Delivery.objects.filter(warning=w, role="head", answered_at__isnull=False)
    for d in heads.order_by("pk")[:12]:
        clock.move_to(at + timedelta(hours=rng.uniform(1, 3)))
        _answer(d, Answer.ACTING, Channel.LINK, note="已组织村干部入户通知，正在转移。")
        if rng.random() < 0.7:
            clock.move_to(at + timedelta(hours=rng.uniform(3, 6)))
            _answer(
                d,
                Answer.DONE,
                Channel.LINK,
                note="危险区群众已转移到安置点。",
                n=rng.randint(3, 40),
            )


def _answer(d: Delivery, answer: str, via: str, note: str = "", n: int | None = None) -> None:
    d.refresh_from_db()
    user = d.person.user if via == Channel.PHONE else None
    if via == Channel.PHONE and user is None:
        via = Channel.LINK
    actions.answer(user, d, answer=answer, via=via, note=note, evacuated=n)
