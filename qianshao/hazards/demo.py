"""Two months of hazards in the demo county, in every state of the loop.

The history is played through the real actions and the real sweep with the clock moved
back (time-machine), so reports, deadlines, overdue steps, supervision, notes and photos are
what they would have been. Steps in 泗城镇 are taken by the demo users (so the township sees
its own work in the timeline); elsewhere by the system. See docs/adr/0008.
"""

import io
import random
from datetime import timedelta
from decimal import Decimal

import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone
from PIL import Image, ImageDraw

from qianshao.grid.demo import COUNTY
from qianshao.grid.models import Cell, CellKind, Department, Domain, Role, RoleAssignment
from qianshao.hazards import actions, sweep
from qianshao.hazards.models import Grade, Hazard, Status

DAYS = 60
# category: (title, description) examples from the seeds' domains
EXAMPLES = {
    "geological": [
        ("后山出现裂缝", "屯后山坡体出现长约 15 米的裂缝，雨后有掉块，坡下住户 4 户。"),
        ("挡土墙鼓胀", "村道旁挡土墙中部鼓胀，排水孔堵塞。"),
    ],
    "mountain_torrents": [
        ("河道被砂石堵塞", "上游河道被采砂堆料堵塞约三分之一，汛期有漫堤风险。"),
        ("低洼处住户未撤离预案", "河边低洼处 3 户未纳入山洪转移名单。"),
    ],
    "flood_drought": [
        ("山塘坝体渗水", "山塘坝脚渗水，水量较前日增加。"),
        ("防洪堤缺口", "防洪堤有约 5 米缺口未修复。"),
    ],
    "forest_fire": [
        ("林区违规烧荒", "村民在林缘烧荒，距林区不足 50 米。"),
        ("防火通道被占", "林区防火通道被堆放的木材占用。"),
    ],
    "rural_houses": [
        ("自建房墙体开裂", "经营性自建房二层墙体斜向开裂，仍有住客。"),
        ("加层未审批", "三层自建房擅自加建第四层。"),
    ],
    "gas": [
        ("液化气瓶露天存放", "供应点 20 余只气瓶露天堆放，无防晒措施。"),
        ("餐馆燃气软管老化", "餐馆燃气软管老化开裂，无报警器。"),
    ],
    "roads_traffic": [
        ("急弯无警示标志", "村道急弯处护栏缺失，无警示标志。"),
        ("校车超载", "接送学生的车辆超员。"),
    ],
    "fire": [
        ("电动车楼道充电", "居民楼楼道内多辆电动车充电。"),
        ("消防通道堵塞", "市场消防通道被摊位占用。"),
    ],
    "industry_trade": [
        ("粉尘未清理", "车间粉尘积聚，除尘设施未运行。"),
        ("有限空间无审批作业", "污水池清理作业未办理审批，无监护人。"),
    ],
    "hazardous_chemicals": [("危化品混存", "仓库内酸碱混存，无分隔。")],
    "construction": [("脚手架无防护网", "在建工程脚手架未挂安全网。")],
}
# How far each demo hazard gets: status weights for a realistic spread.
RANK = {
    "submitted": 0,
    "returned": 0,
    "merged": 0,
    "accepted": 1,
    "escalated": 1,
    "assigned": 2,
    "rectifying": 3,
    "verifying": 4,
    "verified": 5,
    "closed": 6,
}
FATES = [
    ("submitted", 6),
    ("returned", 2),
    ("merged", 1),
    ("accepted", 3),
    ("escalated", 3),
    ("assigned", 4),
    ("rectifying", 8),
    ("verifying", 4),
    ("verified", 2),
    ("closed", 20),
]


def build(stdout=None, count: int = 72) -> int:
    """Play ``count`` hazards over the last 60 days in the demo county; returns how many."""
    rng = random.Random("hazards:" + COUNTY)
    county = Cell.objects.get(code=COUNTY)
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=["county", "township", "village", "department"]
        )
    }
    places = list(
        Cell.objects.filter(
            path__startswith=county.path,
            kind__in=[CellKind.VILLAGE, CellKind.COMMUNITY, CellKind.ENTERPRISE],
        ).order_by("code")
    )
    categories = {d.code: d for d in Domain.objects.filter(code__in=EXAMPLES)}
    start = timezone.now() - timedelta(days=DAYS)
    plans = sorted(
        (
            start + timedelta(days=rng.uniform(0, DAYS - 1), hours=rng.uniform(0, 10)),
            rng.choice(places),
            rng.choice(sorted(categories)),
            rng.choices([f for f, _w in FATES], [w for _f, w in FATES])[0],
        )
        for _ in range(count)
    )
    made = []
    with time_machine.travel(start, tick=False) as clock:
        for at, place, code, fate in plans:
            clock.move_to(at)
            title, description = rng.choice(EXAMPLES[code])
            grade = Grade.MAJOR if rng.random() < 0.12 else Grade.GENERAL
            reporter = users["village"] if place.code == "451027100201" else None
            h = actions.report(
                reporter,
                title=title,
                description=description,
                category=categories[code],
                grade=grade,
                cell=place,
                lon=place.centre_lon,
                lat=place.centre_lat,
                found_at=at - timedelta(hours=rng.uniform(0.5, 6)),
                stopped_on_spot=fate == "closed" and rng.random() < 0.1,
                photo_files=[("现场.jpg", _picture(rng, "before"))],
            )
            made.append((h, fate))
        _play(made, rng, users, clock, start)
    return len(made)


def _play(made, rng, users, clock, start) -> None:
    """Walk each hazard toward its fate, day by day, sweeping for overdue steps."""
    real_now = start + timedelta(days=DAYS)  # the clock is travelling: this is the real now
    for day in range(DAYS + 1):
        now = start + timedelta(days=day, hours=9)
        if now > real_now:
            break
        clock.move_to(now)
        for h, fate in made:
            h.refresh_from_db()
            if h.reported_at <= now - timedelta(hours=rng.uniform(6, 60)):
                _advance(h, fate, rng, users, now)
        clock.move_to(now + timedelta(hours=8))
        sweep.sweep(timezone.now())
    clock.move_to(real_now - timedelta(minutes=5))
    sweep.sweep(timezone.now())


def _actor(h: Hazard, users, role: str):
    """Demo users act in 泗城镇 (and the county over major hazards); the system elsewhere."""
    in_seat = h.cell_path.startswith("451027.451027100.")
    if role == "triage":
        return users["township"] if in_seat else None
    if role == "rectify":
        return users["village"] if h.cell.code == "451027100201" else None
    if role == "check":
        return users["county"] if in_seat else None
    return None


def _advance(h: Hazard, fate: str, rng, users, now) -> None:
    """Take the hazard one step further toward ``fate`` (at most one step a day)."""
    if h.status == fate or h.status in (Status.CLOSED, Status.MERGED, Status.RETURNED):
        return
    if h.status == Status.SUBMITTED:
        if fate == "returned":
            actions.return_report(
                _actor(h, users, "triage"), h, reason="描述不清，请补充具体位置和照片后重新上报。"
            )
        elif fate == "merged":
            other = (
                Hazard.objects.filter(
                    cell=h.cell, status__in=[Status.ACCEPTED, Status.ASSIGNED, Status.RECTIFYING]
                )
                .exclude(pk=h.pk)
                .first()
            )
            if other is not None:
                actions.merge(_actor(h, users, "triage"), h, into=other, note="重复上报")
            else:
                actions.accept(_actor(h, users, "triage"), h, note="已受理")
        else:
            actions.accept(_actor(h, users, "triage"), h, note="已受理，安排核查。")
        return
    if h.status == Status.ACCEPTED:
        if fate == "escalated" or (h.grade == Grade.MAJOR and rng.random() < 0.5):
            actions.escalate(
                _actor(h, users, "triage"), h, note="超出乡镇监管权限，抄告县行业主管部门。"
            )
        elif RANK[fate] >= RANK["assigned"]:
            _assign(h, _actor(h, users, "triage"), rng, now)
        return
    if h.status == Status.ESCALATED and RANK[fate] >= RANK["assigned"]:
        _assign(h, None, rng, now, department=h.assignee_department)
        return
    if h.status == Status.ASSIGNED and RANK[fate] > RANK["assigned"]:
        actions.start(_actor(h, users, "rectify"), h, note="已组织人员整改。")
    elif h.status == Status.RECTIFYING and fate in ("verifying", "verified", "closed"):
        actor = _actor(h, users, "rectify")
        if rng.random() < 0.4:
            actions.progress(
                actor,
                h,
                note="整改过半，已设置警示标志。",
                photo_files=[("进展.jpg", _picture(rng, "progress"))],
            )
        else:
            actions.submit(
                actor, h, note="整改完成。", photo_files=[("整改后.jpg", _picture(rng, "after"))]
            )
    elif h.status == Status.VERIFYING and fate in ("verified", "closed"):
        if rng.random() < 0.15:
            actions.reject(_actor(h, users, "check"), h, reason="警示标志未设置到位，请补充。")
        else:
            actions.verify(_actor(h, users, "check"), h, note="现场核查，整改到位。")
    elif h.status == Status.VERIFIED and fate == "closed":
        actions.close(_actor(h, users, "triage"), h, note="销号。")


def _assign(h: Hazard, actor, rng, now, department: Department | None = None) -> None:
    if department is None:
        cell = h.cell
        responsible = (
            RoleAssignment.objects.active()
            .filter(cell=cell, role__in=[Role.HEAD, Role.MANAGER])
            .order_by("role", "pk")
            .first()
        )
        assignee = {"assignee_cell": cell}
    else:
        responsible = (
            RoleAssignment.objects.active()
            .filter(department=department)
            .order_by("role", "pk")
            .first()
        )
        assignee = {"assignee_department": department}
    days = 3 if h.grade == Grade.MAJOR else rng.choice([5, 7, 10, 15])
    actions.assign(
        actor,
        h,
        measures="清除隐患，设置警示标志，加强巡查。",
        responsible=responsible.person,
        deadline=now + timedelta(days=days),
        funds=rng.choice([None, Decimal("0.5"), Decimal("2"), Decimal("5")]),
        contingency="发现险情立即疏散周边人员并报告。",
        note="请按期整改并上传整改照片。",
        **assignee,
    )


def _picture(rng, stage: str) -> bytes:
    colours = {"before": (176, 58, 46), "progress": (212, 160, 23), "after": (39, 129, 70)}
    image = Image.new("RGB", (480, 360), (220, 224, 228))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randint(0, 440), rng.randint(0, 320)
        draw.rectangle(
            [x, y, x + rng.randint(20, 120), y + rng.randint(20, 90)], fill=colours[stage]
        )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()
