"""An incident's grade from its figures, by the national thresholds (国务院令第493号 and
the 国家突发事件总体应急预案): 特别重大 at 30 deaths, or 100 serious injuries, or 1 亿元 of
direct loss; 重大 at 10 / 50 / 5,000 万元; 较大 at 3 / 10 / 1,000 万元; 一般 below. The
missing count with the dead (死亡（含失踪）), as the plans reckon them; any one figure
reaching a threshold decides."""

from decimal import Decimal

from qianshao.incidents.models import Grade

# (grade, deaths, serious injuries, direct loss in 万元), gravest first
THRESHOLDS = (
    (Grade.I, 30, 100, Decimal(10000)),
    (Grade.II, 10, 50, Decimal(5000)),
    (Grade.III, 3, 10, Decimal(1000)),
)


def grade(*, dead: int, missing: int, seriously_injured: int, direct_loss) -> str:
    """The grade the figures give."""
    deaths = dead + missing
    loss = Decimal(direct_loss or 0)
    for found, d, s, money in THRESHOLDS:
        if deaths >= d or seriously_injured >= s or loss >= money:
            return found
    return Grade.IV


def of(figures) -> str:
    """The grade of an object holding the figures (an incident, a report)."""
    return grade(
        dead=figures.dead,
        missing=figures.missing,
        seriously_injured=figures.seriously_injured,
        direct_loss=figures.direct_loss,
    )
