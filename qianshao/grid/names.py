"""Plausible Chinese names for generated villages, communities, enterprises and people.

Deterministic for a given seed, so the same county is generated the same way every time.
"""

import random

_VILLAGE_FIRST = "那弄百板陇伏平龙岩坡果六巴加浩央磨上下新江水洞蒙林高东西南长大合福德民和古者岑乐"
_VILLAGE_SECOND = "洪坤林里陈朝甲荣楼洞马峨利豪平安兴旺达山合岭坪塘江桥湾寨屯坝田"
_COMMUNITY = [
    "城东",
    "城西",
    "城南",
    "城北",
    "解放",
    "民族",
    "新华",
    "文化",
    "迎晖",
    "向阳",
    "东风",
    "和平",
    "建设",
    "胜利",
    "河东",
    "河西",
    "新城",
    "滨江",
]
_SURNAMES = "黄韦农陆罗梁岑杨李王张赵刘陈覃蒙潘莫廖周吴邓谢班"
_GIVEN = "文武明华国建志伟海军平林春秀丽红英芳玉兰桂金德成永强光荣朝晖世宏云胜才福"
_ENTERPRISE = [
    ("茶业", "有限公司"),
    ("矿业", "有限责任公司"),
    ("水泥", "有限公司"),
    ("水电", "开发有限公司"),
    ("建材", "有限公司"),
    ("食品", "有限公司"),
    ("木业", "有限公司"),
    ("化工", "有限公司"),
]


def village_names(seed: str, count: int, communities: bool = False) -> list[str]:
    """``count`` distinct village (or community) names."""
    rng = random.Random(f"village:{seed}")
    names: list[str] = []
    if communities:
        pool = list(_COMMUNITY)
        rng.shuffle(pool)
        names = [f"{n}社区" for n in pool[:count]]
    attempts = 0
    while len(names) < count:
        attempts += 1
        name = rng.choice(_VILLAGE_FIRST) + rng.choice(_VILLAGE_SECOND)
        if attempts > 2000:
            name += str(attempts)
        suffix = "社区" if communities else "村"
        if name + suffix not in names:
            names.append(name + suffix)
    return names


def person_name(rng: random.Random) -> str:
    given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(_SURNAMES) + given


def enterprise_name(rng: random.Random, place: str) -> str:
    trade, suffix = rng.choice(_ENTERPRISE)
    return f"{place}{rng.choice(_VILLAGE_FIRST)}{rng.choice(_VILLAGE_SECOND)}{trade}{suffix}"


def mobile(rng: random.Random, taken: set[str]) -> str:
    while True:
        number = rng.choice(["13", "15", "17", "18", "19"]) + "".join(
            rng.choice("0123456789") for _ in range(9)
        )
        if number not in taken:
            taken.add(number)
            return number
