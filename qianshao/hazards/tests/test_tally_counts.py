"""Tallies: per-subtree counters kept by every action, equal at all times to a recount of
the hazards themselves (grouped here, not through ``tally``), and rebuilt from them."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from qianshao.hazards import actions, tally
from qianshao.hazards import sweep as supervision
from qianshao.hazards.models import Grade, Status, Tally
from qianshao.hazards.tests.conftest import nothing_changes, tally_recount, tally_stored
from qianshao.lib.errors import NotAllowed

START = datetime(2026, 4, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def spread(cast, hazard_in):
    """A hazard in every status in 一村, a major one overdue, and one in 二村 and in B县."""
    with time_machine.travel(START, tick=False) as clock:
        made = {status: hazard_in(status) for status in Status.values}
        made["major"] = hazard_in(Status.SUBMITTED, grade=Grade.MAJOR)
        made["two"] = actions.report(
            cast.users["township"],
            title="二村隐患",
            description="d",
            category=made["major"].category,
            cell=cast.cell("450901100202"),
        )
        made["other"] = actions.report(
            cast.users["outsider"],
            title="B县隐患",
            description="d",
            category=made["major"].category,
            cell=cast.other_village,
        )
        clock.shift(timedelta(hours=3))
        supervision.sweep(timezone.now())  # the major one (2 hours) is now overdue
    return made


def test_after_every_kind_of_step_the_counters_equal_a_recount(spread):
    assert tally_stored() == tally_recount()
    assert min(tally_stored().values()) > 0


def test_each_level_counts_its_whole_subtree(cast, spread):
    paths = [cast.village.path, cast.township.path, cast.county.path, cast.other_county.path]
    found = tally.counts(paths)
    village = found[cast.village.path]
    # every status once, the accepted hazard merged into counts as accepted too, plus major
    assert village[("submitted", "general", False)] == 1
    assert village[("accepted", "general", False)] == 2  # one of them the merge target
    assert village[("submitted", "major", True)] == 1
    assert sum(village.values()) == len(Status.values) + 2
    township = found[cast.township.path]
    assert township[("submitted", "general", False)] == 2  # and the one in 二村
    assert found[cast.county.path] == township
    assert found[cast.other_county.path] == {("submitted", "general", False): 1}


def test_a_refused_step_moves_no_counter(cast, spread):
    with nothing_changes(), pytest.raises(NotAllowed):
        actions.accept(cast.users["village"], spread[Status.SUBMITTED])


def test_closing_moves_a_hazard_between_counters_and_leaves_no_stale_count(cast, spread):
    h = actions.verify(cast.users["county"], spread[Status.VERIFYING])
    h = actions.close(cast.users["township"], h)
    village = tally.counts([cast.village.path])[cast.village.path]
    assert ("verifying", "general", False) not in village  # its counter fell to 0
    assert village[("closed", "general", False)] == 2
    assert Tally.objects.filter(n__lt=0).count() == 0
    assert tally_stored() == tally_recount()


def test_rebuild_recounts_damaged_counters_from_the_hazards(spread):
    expected = tally_recount()
    Tally.objects.filter(status="submitted").update(n=99)
    Tally.objects.filter(status="closed").delete()
    Tally.objects.create(path="450999.", status="closed", grade="general", overdue=False, n=3)
    assert tally_stored() != expected
    assert tally.rebuild() == len(expected)
    assert tally_stored() == expected


def test_moves_written_together_sum_on_shared_counters(cast, spread):
    """Two hazards of one key moving under shared ancestors: one write, the counters as
    after two single moves (PostgreSQL refuses to update a counter twice in a statement)."""
    two, other = spread["two"], spread["other"]
    before = tally_stored()
    old, new = ("submitted", "general", False), ("submitted", "general", True)
    with transaction.atomic():
        tally.move_all([(two.cell_path, old, new), (spread["submitted"].cell_path, old, new)])
    after = tally_stored()
    county = cast.county.path
    assert after.get((county, *old), 0) == before[(county, *old)] - 2
    assert after[(county, *new)] == before.get((county, *new), 0) + 2
    assert after[(other.cell_path, *old)] == before[(other.cell_path, *old)]
