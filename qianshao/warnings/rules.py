"""Per level: who receives a warning, how long to answer, when to escalate, and who must
approve — configurable in the admin (预警级别规则), read through ``lib.settled``."""

from dataclasses import dataclass
from datetime import timedelta

from qianshao.grid.models import Role
from qianshao.lib.settled import Settled
from qianshao.warnings.models import Level, LevelRule

EVERYONE = [r.value for r in Role]
# The defaults seeded by migration 0002: (roles, minutes to answer, minutes more until the
# level above is told, a second person approves a county-wide one)
DEFAULT_RULES = {
    Level.RED: (EVERYONE, 15, 15, True),
    Level.ORANGE: (EVERYONE, 30, 30, True),
    Level.YELLOW: (
        [Role.HEAD, Role.DEPUTY, Role.DISPATCHER, Role.MEMBER, Role.INFORMANT],
        60,
        60,
        False,
    ),
    Level.BLUE: ([Role.HEAD, Role.DISPATCHER, Role.INFORMANT], 120, 120, False),
}
# The share of a county's villages and communities (percent) at which a level that asks for
# approval needs it: half a county is a county-scale warning (ADR 18).
DEFAULT_THRESHOLD = 50
# (code, name, CAP event, CAP category), seeded by migration 0002; the county may add more.
DEFAULT_TYPES = [
    ("rainstorm", "暴雨", "Rainstorm", "Met"),
    ("typhoon", "台风", "Typhoon", "Met"),
    ("flash_flood", "山洪", "Flash Flood", "Geo"),
    ("geohazard", "地质灾害", "Geological Hazard", "Geo"),
    ("forest_fire", "森林火险", "Forest Fire Danger", "Fire"),
    ("heat", "高温", "Heat Wave", "Met"),
    ("cold_wave", "寒潮", "Cold Wave", "Met"),
    ("gale", "大风", "Gale", "Met"),
    ("hail", "冰雹", "Hail", "Met"),
    ("lightning", "雷电", "Lightning", "Met"),
    ("road_icing", "道路结冰", "Road Icing", "Transport"),
    ("fog", "大雾", "Heavy Fog", "Met"),
    ("drought", "干旱", "Drought", "Met"),
    ("earthquake", "地震", "Earthquake", "Geo"),
    ("other", "其他", "Other", "Other"),
]


@dataclass(frozen=True)
class Rule:
    roles: tuple[str, ...]
    answer: timedelta
    escalate: timedelta
    second_approval: bool
    approval_threshold: int = DEFAULT_THRESHOLD


def _load() -> dict[str, Rule]:
    found = {
        r.level: Rule(
            tuple(r.roles),
            timedelta(minutes=r.answer_minutes),
            timedelta(minutes=r.escalate_minutes),
            r.second_approval,
            r.approval_threshold,
        )
        for r in LevelRule.objects.all()
    }
    for level, (roles, answer, escalate, second) in DEFAULT_RULES.items():
        found.setdefault(
            level,
            Rule(tuple(roles), timedelta(minutes=answer), timedelta(minutes=escalate), second),
        )
    return found


_rules = Settled(_load).forget_on(LevelRule)


def rule(level: str) -> Rule:
    return _rules.get()[level]


def forget() -> None:
    _rules.forget()
