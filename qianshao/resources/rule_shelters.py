"""The per-person area of the shelters' rule (``ShelterRule``, one row), read through a short
per-process cache (``lib.settled``); 0.5 m² when no row was saved."""

from decimal import ROUND_FLOOR, Decimal

from qianshao.lib.settled import Settled
from qianshao.resources.models import DEFAULT_PER_PERSON_M2, ShelterRule


def _load() -> Decimal:
    found = ShelterRule.objects.order_by("pk").values_list("per_person_m2", flat=True).first()
    return found if found else DEFAULT_PER_PERSON_M2


_rule = Settled(_load).forget_on(ShelterRule)


def per_person() -> Decimal:
    """The effective area a sheltered person needs, in m²."""
    return _rule.get()


def capacity_of(area_m2: Decimal, per_person_m2: Decimal | None = None) -> int:
    """How many people ``area_m2`` holds: the area ÷ the per-person area, rounded down."""
    each = per_person_m2 or per_person()
    return int((Decimal(area_m2) / each).to_integral_value(rounding=ROUND_FLOOR))


def forget() -> None:
    _rule.forget()
