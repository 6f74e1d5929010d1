"""Whatever happens to kits and terms — pieces issued, lost, damaged, returned, replaced;
duties given, terms ended and begun again, a cell moved — every card's completeness is what
its pieces in use say, and the tallies equal a recount (Hypothesis)."""

from contextlib import suppress
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qianshao.grid import actions as grid_actions
from qianshao.grid.models import Cell, Duty, Role, RoleAssignment
from qianshao.lib.errors import ActionError
from qianshao.resources import actions_kits, tally
from qianshao.resources.models import ItemStatus, KitCard, KitItem
from qianshao.testing import appoint

VILLAGES = ["450901100201", "450901100202", "450901101201"]
DUTIES = [Duty.EMERGENCY_OFFICER, Duty.FLOOD_PATROLLER]

moves = st.lists(
    st.one_of(
        st.tuples(st.just("appoint"), st.sampled_from(VILLAGES), st.sampled_from(DUTIES)),
        st.tuples(st.just("issue"), st.integers(0, 20), st.integers(0, 8), st.integers(1, 2)),
        st.tuples(
            st.just("step"),
            st.integers(0, 40),
            st.sampled_from(["lose", "damage", "return", "replace"]),
        ),
        st.tuples(st.just("end"), st.integers(0, 20)),
        st.tuples(st.just("move"), st.sampled_from(["450901100202", "450901101201"])),
    ),
    max_size=25,
)


def _nth(queryset, n):
    found = list(queryset.order_by("pk"))
    return found[n % len(found)] if found else None


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=moves)
def test_cards_and_tallies_always_agree_with_the_pieces(cast, plan):
    county = cast.users["county"]
    yesterday = timezone.localdate() - timedelta(days=1)
    try:
        with transaction.atomic():
            for move in plan:
                kind = move[0]
                if kind == "appoint":
                    appoint(Cell.objects.get(code=move[1]), Role.MEMBER, duties=[move[2]])
                elif kind == "issue" and (card := _nth(KitCard.objects.all(), move[1])):
                    line = _nth(card.standard.lines.all(), move[2])
                    with suppress(ActionError):  # a closed card: refused, nothing written
                        actions_kits.issue(county, card, line=line.pk, quantity=move[3])
                elif kind == "step" and (item := _nth(KitItem.objects.all(), move[1])):
                    with suppress(ActionError):  # a step its status does not allow
                        actions_kits.step(county, item, move[2])
                elif kind == "end" and (
                    term := _nth(RoleAssignment.objects.active().exclude(duties=[]), move[1])
                ):
                    if term.start <= yesterday:
                        grid_actions.end_term(county, term, end=yesterday)
                elif kind == "move":
                    village = Cell.objects.get(code="450901100201")
                    parent = Cell.objects.get(code=move[1][:9])
                    if village.parent_id != parent.pk:
                        grid_actions.move_cell(None, village, parent)
                for card in KitCard.objects.select_related("standard", "cell"):
                    in_use = actions_kits.in_use_by_line(card)
                    missing = actions_kits.shortfall(card.standard.lines.all(), in_use)
                    assert (card.missing, card.complete) == (missing, missing == 0)
                    assert card.cell_path == card.cell.path
                assert tally.matches()
            raise _RollBack
    except _RollBack:
        pass
    assert not KitItem.objects.filter(status=ItemStatus.IN_USE).exists()


class _RollBack(Exception):
    """Each example's writes are rolled back (the cast stays as it was)."""
