"""Grading a risk point (docs/adr/0024 "Grading"): the kind's method gives a score from the
inputs kept on the point, the bands of ``Grading`` give the colour. Pure functions of the
inputs and the bands, so a grade can be recomputed and explained at any time.

- LEC (作业条件危险性分析法): D = L × E × C, each factor from its table;
- risk matrix (风险矩阵法): R = likelihood (1–5) × severity (1–5).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qianshao.lib.errors import ActionError
from qianshao.risks.models import Grade, Grading, Method

# The LEC tables: value -> what it means.
LEC_L = {
    "10": gettext_lazy("完全可以预料"),
    "6": gettext_lazy("相当可能"),
    "3": gettext_lazy("可能，但不经常"),
    "1": gettext_lazy("可能性小，完全意外"),
    "0.5": gettext_lazy("很不可能，可以设想"),
    "0.2": gettext_lazy("极不可能"),
    "0.1": gettext_lazy("实际不可能"),
}
LEC_E = {
    "10": gettext_lazy("连续暴露"),
    "6": gettext_lazy("每天工作时间内暴露"),
    "3": gettext_lazy("每周一次或偶然暴露"),
    "2": gettext_lazy("每月一次暴露"),
    "1": gettext_lazy("每年几次暴露"),
    "0.5": gettext_lazy("非常罕见地暴露"),
}
LEC_C = {
    "100": gettext_lazy("大灾难，许多人死亡"),
    "40": gettext_lazy("灾难，数人死亡"),
    "15": gettext_lazy("非常严重，一人死亡"),
    "7": gettext_lazy("严重，重伤"),
    "3": gettext_lazy("重大，致残"),
    "1": gettext_lazy("引人注目，需要救护"),
}
LEC_TABLES = {"L": LEC_L, "E": LEC_E, "C": LEC_C}
MATRIX_LEVELS = range(1, 6)
MATRIX_FIELDS = ("likelihood", "severity")


@dataclass(frozen=True)
class Graded:
    method: str
    inputs: dict
    score: Decimal
    grade: str


def bands() -> Grading:
    return Grading.objects.get_or_create(pk=1)[0]


def grade(method: str, inputs: dict, rule: Grading | None = None) -> Graded:
    """The score and grade of ``inputs`` by ``method``; an input missing or outside its
    table is an ``ActionError`` naming it (``inputs.L``, ``inputs.likelihood``…)."""
    rule = rule or bands()
    if method == Method.LEC:
        clean = {}
        errors = []
        for name, table in LEC_TABLES.items():
            value = _factor(inputs.get(name))
            if value is None or value not in table:
                errors.append(
                    ActionError(
                        _("%(f)s 须取表中的值：%(v)s") % {"f": name, "v": "、".join(table)},
                        f"inputs.{name}",
                    )
                )
            else:
                clean[name] = value
        if errors:
            raise ActionError.every(errors)
        score = Decimal(clean["L"]) * Decimal(clean["E"]) * Decimal(clean["C"])
        return Graded(method, clean, score.quantize(Decimal("0.01")), lec_grade(score, rule))
    if method == Method.MATRIX:
        clean = {}
        errors = []
        for name in MATRIX_FIELDS:
            value = inputs.get(name)
            if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int) or value not in MATRIX_LEVELS:
                errors.append(
                    ActionError(_("%(f)s 须为 1 至 5 的整数") % {"f": name}, f"inputs.{name}")
                )
            else:
                clean[name] = value
        if errors:
            raise ActionError.every(errors)
        score = Decimal(clean["likelihood"] * clean["severity"])
        return Graded(method, clean, score.quantize(Decimal("0.01")), matrix_grade(score, rule))
    raise ActionError(_("未知的分级方法"), "method")


def _factor(value) -> str | None:
    """A LEC factor as its table's key ("0.5", "10"), from a number or a string."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
        if not number.is_finite() or abs(number.adjusted()) > 6:
            return None  # no factor of a table is that large or that small
        return format(number.normalize(), "f")
    except ArithmeticError:
        return None


def lec_grade(score: Decimal, rule: Grading) -> str:
    if score >= rule.lec_red:
        return Grade.RED
    if score >= rule.lec_orange:
        return Grade.ORANGE
    if score >= rule.lec_yellow:
        return Grade.YELLOW
    return Grade.BLUE


def matrix_grade(score: Decimal, rule: Grading) -> str:
    if score >= rule.matrix_red:
        return Grade.RED
    if score >= rule.matrix_orange:
        return Grade.ORANGE
    if score >= rule.matrix_yellow:
        return Grade.YELLOW
    return Grade.BLUE


def explain(method: str, inputs: dict, score: Decimal) -> str:
    """How the score came: "D = L × E × C = 6 × 3 × 15 = 270"."""
    if method == Method.LEC:
        factors = " × ".join(str(inputs.get(name)) for name in LEC_TABLES)
        return f"D = L × E × C = {factors} = {score.normalize():f}"
    return (
        f"R = {_('可能性')} × {_('严重性')} = "
        f"{inputs.get('likelihood')} × {inputs.get('severity')} = {score.normalize():f}"
    )
