"""The demo county's duty desk and incidents (issue 15's Demo item), played through the
actions and the sweep with the clock moved (``time_machine``, docs/adr/0008):

- a roster for this month at the county and each township (leader on duty, A and B posts,
  the people holding posts there; the demo logins on their own level's shifts), every past
  shift confirmed but one (chased by the sweep), one handover not accepted (chased), and a
  spot check from the county answered by every township, 泗城镇 late;
- a road accident reported late by a village, passed up and ended;
- a flood in 泗城镇 at Ⅳ raised to Ⅲ, two teams dispatched (one arrived, one under way),
  supplies sent from the county's store, 120 people evacuated to the township's shelter,
  about thirty entries in its command log — its SitRep is generated from these;
- a forest fire twelve days ago, ended, reviewed, with its findings (one done).

The officers on the rosters are given logins (``d<person id>``, the demo password) so that
they can take their own steps; the 泗城镇 squadron's leader is the demo login ``team``.
"""

import random
from datetime import datetime, timedelta

import time_machine
from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.grid.models import Cell, CellKind, Person, Role, RoleAssignment
from qianshao.incidents import (
    actions,
    actions_duty,
    actions_orders,
    actions_response,
    sweep,
)
from qianshao.incidents.models import Shift, SpotAnswer
from qianshao.resources import queries as resources

PASSWORD = "qianshao-demo"
LEADING = (Role.HEAD, Role.DEPUTY)


def _at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def _user(person: Person):
    """``person``'s login, made for the demo when they have none."""
    if person.user_id is None:
        create_login(None, person, username=f"d{person.pk}", password=PASSWORD)
        person.refresh_from_db()
    return person.user


def _post_user(cell: Cell, role: str):
    post = (
        RoleAssignment.objects.active()
        .filter(cell=cell, role=role, department__isnull=True, person__user__isnull=False)
        .select_related("person__user")
        .order_by("pk")
        .first()
    )
    return post.person.user if post else None


def _rota(cell: Cell) -> tuple[list[Person], list[Person]]:
    """Who leads and who stands the A and B posts at ``cell``: its heads and deputies lead,
    the others stand (the login's person first, so they are on today's shift)."""
    posts = list(
        RoleAssignment.objects.active().filter(cell=cell).select_related("person").order_by("pk")
    )
    leaders, standing = [], []
    for post in posts:
        group = leaders if post.role in LEADING else standing
        if post.person not in leaders and post.person not in standing:
            group.append(post.person)
    standing.sort(key=lambda p: p.user_id is None)
    return leaders or standing[:1], standing or leaders


def _roster(cell: Cell, first, days: int, today_index: int) -> None:
    """This month's roster of ``cell``: the standing people in turn, the one with a login on
    today's shift as A."""
    leaders, standing = _rota(cell)
    if not standing:
        return  # nobody holds a post there: the sweep's look ahead flags its empty days
    rows = []
    n = len(standing)
    for k in range(days):
        day = first + timedelta(days=k)
        shift = k - today_index  # today's shift takes the first standing person
        a = standing[shift % n]
        b = standing[(shift + 1) % n] if n > 1 else None
        b = b if b is not None and b != a else None
        leader = leaders[k % len(leaders)]
        leader = None if leader in (a, b) else leader  # one post a person, a shift
        rows.append(
            {
                "day": day,
                "part": "full",
                "leader": leader.pk if leader else None,
                "a": a.pk,
                "b": b.pk if b else None,
            }
        )
    actions_duty.plan(None, cell, rows)


def duty(now: datetime, county: Cell, seat: str) -> dict:
    """Rosters, check-ins, a handover left unaccepted, a spot check answered late."""
    rng = random.Random("duty:" + county.code)
    townships = list(Cell.objects.filter(parent=county, kind=CellKind.TOWNSHIP).order_by("code"))
    cells = [county, *townships]
    today = timezone.localdate(now)
    # this month, and the two days before when it has just begun (yesterday's shift and
    # its handover are part of the story)
    first = min(today.replace(day=1), today - timedelta(days=2))
    last = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    days = (last - first).days
    shift_now = actions_duty.current_shift
    with _at(timezone.make_aware(datetime.combine(first - timedelta(days=1), datetime.min.time()))):
        for cell in cells:
            setting = actions_duty.setting_of(cell)
            started = actions_duty.slots(setting, today)[0][1]
            index = (today - first).days - (1 if started > now else 0)
            _roster(cell, first, days, index)
    manager = _post_user(county, Role.DISPATCHER)
    staffed = [t for t in townships if Shift.objects.filter(cell=t).exists()]
    missed = staffed[min(2, len(staffed) - 1)]
    unaccepted = staffed[min(1, len(staffed) - 1)]
    made = {"shifts": 0, "confirmed": 0}
    skipped = None
    for cell in cells:
        current = shift_now(cell.pk, now)
        for s in Shift.objects.filter(cell=cell, starts_at__lte=now).order_by("starts_at"):
            made["shifts"] += 1
            if cell == missed and current is not None and s.ends_at == current.starts_at:
                skipped = s  # yesterday's shift here never confirmed: chased below
                continue
            with _at(s.starts_at + timedelta(minutes=rng.randint(1, 12))):
                officer = s.post_a or s.leader
                if officer.user_id is not None:
                    actions_duty.confirm(officer.user, s)
                else:
                    actions_duty.confirm(manager, s)  # 代为确认 after a call
            made["confirmed"] += 1
    if skipped is not None:  # the sweep chases it: its dispatchers, then the county's
        sweep.sweep(skipped.starts_at + timedelta(minutes=16))
        sweep.sweep(skipped.starts_at + timedelta(minutes=31))
    # a handover written at the end of yesterday's shift, not accepted by today's
    current = shift_now(unaccepted.pk, now)
    yesterday = (
        Shift.objects.filter(cell=unaccepted, ends_at=current.starts_at).first()
        if current
        else None
    )
    if yesterday is not None:
        with _at(yesterday.ends_at - timedelta(minutes=10)):
            officer = _user(yesterday.post_a)
            actions_duty.write_handover(
                officer,
                yesterday,
                text=actions_duty.handover_text(actions_duty.open_items(unaccepted)),
            )
        sweep.sweep(now - timedelta(minutes=1))
    # a spot check from the county two hours ago: every township answers, 泗城镇 late
    at = now - timedelta(hours=2)
    with _at(at):
        check = actions_duty.spot_check(manager, county, note="夜间查岗：请值班人员在岗应答")
    for answer in SpotAnswer.objects.filter(spot=check, shift__isnull=False).select_related(
        "shift__post_a", "cell"
    ):
        late = answer.cell.code == seat
        if late:
            sweep.sweep(answer.due_at + timedelta(minutes=1))  # chased first
        with _at(
            answer.due_at + timedelta(minutes=4)
            if late
            else at + timedelta(minutes=rng.randint(1, 8))
        ):
            actions_duty.answer_spot(_user(answer.shift.post_a), answer)
    made["spot"] = check.pk
    return made


def _log(user, incident, entries, first: datetime, last: datetime) -> None:
    """Command-log entries spread evenly from ``first`` to ``last``."""
    step = (last - first) / max(len(entries) - 1, 1)
    for n, (kind, text) in enumerate(entries):
        with _at(first + step * n):
            actions.write_log(user, incident, kind=kind, text=text)


def incidents(now: datetime, county: Cell, seat: str) -> dict:
    """The road accident, the flood in 泗城镇 and the forest fire reviewed."""
    seat = Cell.objects.get(code=seat)
    village = Cell.objects.filter(parent=seat, kind=CellKind.VILLAGE).order_by("code").first()
    county_user = _post_user(county, Role.DISPATCHER)
    township_user = _post_user(seat, Role.DISPATCHER)
    village_user = (
        RoleAssignment.objects.active()
        .filter(cell=village, person__user__isnull=False)
        .select_related("person__user")
        .order_by("pk")
        .first()
    )
    village_user = village_user.person.user if village_user else township_user
    found = {}

    # a road accident, reported by the village an hour and a half after it happened (late)
    with _at(now - timedelta(hours=3)):
        road = actions.open_incident(
            village_user,
            title=f"{village.name}村道两车相撞",
            kind="accident",
            category="road",
            cell=village,
            occurred_at=now - timedelta(hours=4, minutes=30),
            place=f"{village.name}村委会往东500米村道",
            lon=round(village.centre_lon + 0.004, 6),
            lat=round(village.centre_lat, 6),
            unit="私家车两辆",
            summary="一辆面包车与一辆摩托车相撞，摩托车驾驶人受伤。",
            figures={"injured": 1, "seriously_injured": 1},
        )
    relay = road.relays.get()
    with _at(now - timedelta(hours=2, minutes=40)):
        actions.pass_up(township_user, relay, note="电话报县应急管理局值班室")
    county_relay = road.relays.get(cell=county)
    with _at(now - timedelta(hours=2, minutes=20)):
        actions.pass_up(county_user, county_relay, note="报百色市应急管理局总值班室")
    with _at(now - timedelta(hours=1)):
        actions.end(
            county_user,
            road,
            text="伤者已送县人民医院救治，道路恢复通行。",
            decided_by="县交警大队",
        )
    found["road"] = road.pk

    # a flood in 泗城镇: Ⅳ, then Ⅲ; two teams; supplies; 120 evacuated
    start = now - timedelta(hours=6)
    with _at(start - timedelta(minutes=5)):
        call = actions_duty.log_duty(
            township_user,
            seat,
            kind="receive",
            caller=f"{village.name}村委会",
            phone=village.duty_phone or "",
            text="河水暴涨，沿河低洼处民房进水，有3人被困。",
        )
    with _at(start):
        flood = actions.open_incident(
            township_user,
            title=f"泗城镇{village.name}山洪内涝",
            kind="natural",
            category="flood",
            cell=village,
            occurred_at=start - timedelta(minutes=20),
            place=f"{village.name}沿河低洼处",
            lon=round(village.centre_lon, 6),
            lat=round(village.centre_lat, 6),
            summary="持续强降雨致河水暴涨，沿河低洼处民房进水，3人被困。",
            measures="村两委已组织沿河群众向高处转移。",
            figures={"trapped": 3},
            origin=f"incidents.duty:{call.pk}",
        )
    with _at(start + timedelta(minutes=15)):
        actions.pass_up(township_user, flood.relays.get(), note="电话报县应急管理局值班室")
    with _at(start + timedelta(minutes=30)):
        actions.respond(county_user, flood, level="4", decided_by="县应急管理局局长")
        actions.appoint_commander(county_user, flood, person=township_user.person)
    with _at(start + timedelta(minutes=35)):
        actions.pass_up(
            county_user, flood.relays.get(cell=county), note="报百色市应急管理局总值班室"
        )
    # the township's own squadron and the county's brigade (not the village squads nearer)
    teams = resources.candidates(
        county_user, lon=flood.lon, lat=flood.lat, own_path=seat.path, limit=500
    )
    squadron = next((t for t in teams if t["cell_path"] == seat.path), teams[0])
    brigade = next((t for t in teams if t["cell_path"] == county.path), teams[-1])
    with _at(start + timedelta(minutes=40)):
        first = actions_orders.dispatch(
            county_user, flood, team=squadron["id"], task="搜救被困群众，协助转移"
        )
        second = actions_orders.dispatch(
            county_user, flood, team=brigade["id"], task="携冲锋舟增援，排涝抢险"
        )
    leader = Person.objects.get(pk=first.team.leader_id)
    team_user = leader.user or _demo_team_login(leader)
    for minutes, step in ((45, "receive"), (50, "depart"), (80, "arrive"), (85, "work")):
        with _at(start + timedelta(minutes=minutes)):
            actions_orders.answer(team_user, first, step)
    for minutes, step in ((55, "receive"), (70, "depart")):
        with _at(start + timedelta(minutes=minutes)):
            actions_orders.answer(county_user, second, step, note="电话应答")
    with _at(start + timedelta(hours=2)):
        actions.raise_level(
            county_user, flood, level="3", decided_by="常务副县长", note="雨情持续，险情扩大"
        )
    with _at(start + timedelta(hours=2, minutes=10)):
        actions.report(
            township_user,
            flood,
            text="被困3人已全部救出，1人轻伤；河水仍在上涨。",
            figures={"trapped": 0, "injured": 1},
        )
    stores = resources.storage_points(
        county_user, lon=flood.lon, lat=flood.lat, own_path=county.path, limit=10
    )
    store = next((p for p in stores if p["cell_path"] == county.path and p["stock"]), None)
    if store is not None:
        lines = [(s["item"], "10") for s in store["stock"] if s["quantity"] >= 20][:3]
        if lines:
            with _at(start + timedelta(hours=2, minutes=30)):
                actions_response.send_supplies(
                    county_user, flood, point=store["id"], lines=lines, note="安置点生活保障"
                )
    shelters = resources.shelters_near(
        county_user, lon=flood.lon, lat=flood.lat, own_path=seat.path
    )
    hub = next(
        (s for s in shelters if s["cell_path"] == seat.path), shelters[0] if shelters else None
    )
    listed = resources.households(county_user, village.path)
    ticked, people = [], 0
    for h in listed:
        if people + h["members"] > 120:
            break
        ticked.append(h["id"])
        people += h["members"]
    with _at(start + timedelta(hours=3)):
        if ticked:
            actions_response.evacuate(
                county_user,
                flood,
                cell=village,
                shelter=hub["id"] if hub else None,
                households=ticked,
                note="按转移清单转移",
            )
        if 120 - people > 0:
            actions_response.evacuate(
                county_user,
                flood,
                cell=village,
                shelter=hub["id"] if hub else None,
                people=120 - people,
                note="沿河其他群众",
            )
    _log(
        county_user,
        flood,
        [
            ("order", "县水利局派员赴现场研判水情"),
            ("order", "县交通运输局对沿河道路实施交通管制"),
            ("feedback", "县气象局：未来3小时仍有强降雨"),
            ("order", "县卫健局派救护车1辆在安置点待命"),
            ("feedback", "安置点已开放，供水供电正常"),
            ("decision", "要求各村每小时报告一次水情"),
            ("note", "县委主要领导电话询问情况，已汇报"),
            ("feedback", "沿河电力线路已断电"),
            ("order", "通信公司保障安置点通信"),
            ("feedback", "冲锋舟已装车出发"),
            ("note", "市应急管理局来电了解情况"),
            ("order", "民政部门调拨棉被、食品至安置点"),
        ],
        start + timedelta(hours=3, minutes=10),
        now - timedelta(minutes=40),
    )
    with _at(now - timedelta(minutes=30)):
        actions.report(
            township_user,
            flood,
            text="转移群众120人已在中心学校安置，暂无人员伤亡，水位开始回落。",
        )
    found["flood"] = flood.pk

    # a forest fire twelve days ago: ended, reviewed, its findings tracked
    other = (
        Cell.objects.filter(parent=county, kind=CellKind.TOWNSHIP)
        .exclude(pk=seat.pk)
        .order_by("code")
        .first()
    )
    place = (
        Cell.objects.filter(parent=other, kind=CellKind.VILLAGE).order_by("code").first() or other
    )
    ago = now - timedelta(days=12)
    with _at(ago):
        fire = actions.open_incident(
            county_user,
            title=f"{other.name}{place.name}山林火灾",
            kind="natural",
            category="forest_fire",
            cell=place,
            occurred_at=ago - timedelta(minutes=40),
            place=f"{place.name}后山",
            lon=round(place.centre_lon, 6) if place.centre_lon else None,
            lat=round(place.centre_lat, 6) if place.centre_lat else None,
            summary="村民烧田埂引发山火，过火面积约15亩。",
        )
    with _at(ago + timedelta(minutes=20)):
        actions.pass_up(county_user, fire.relays.get(), note="报百色市应急管理局总值班室")
        actions.respond(county_user, fire, level="4", decided_by="县应急管理局局长")
    with _at(ago + timedelta(hours=4)):
        actions.end(
            county_user, fire, text="明火已扑灭，无人员伤亡，过火面积约15亩。", decided_by="县长"
        )
    with _at(ago + timedelta(days=2)):
        done = actions_response.add_finding(
            county_user,
            fire,
            text="护林员巡查不到位，未及时发现野外用火",
            owner=f"{other.name}人民政府",
            due_on=(ago + timedelta(days=10)).date(),
        )
        actions_response.add_finding(
            county_user,
            fire,
            text="扑火队伍装备不足，风力灭火机缺2台",
            owner="县林业局",
            due_on=(now + timedelta(days=20)).date(),
        )
        actions_response.close(
            county_user, fire, review="响应及时，处置得当；暴露出野外用火管理和装备配备不足。"
        )
    with _at(ago + timedelta(days=9)):
        actions_response.finding_step(county_user, done, "complete", note="已开展护林员专项培训")
    found["fire"] = fire.pk
    return found


def _demo_team_login(leader: Person):
    create_login(None, leader, username="team", password=PASSWORD)
    leader.refresh_from_db()
    return leader.user


def build(now: datetime | None = None, county: str = "451027") -> dict:
    """The duty desk and the incidents of ``county``, its seat the first township by code
    (泗城镇 in the demo county)."""
    now = now or timezone.now()
    root = Cell.objects.get(code=county)
    seat = Cell.objects.filter(parent=root, kind=CellKind.TOWNSHIP).order_by("code").first()
    made = duty(now, root, seat.code)
    made |= incidents(now, root, seat.code)
    return made
