"""Hazards follow their cell: when a cell moves (grid.actions.move_cell), the paths kept on
hazards and public reports move with it, and the counters of the old ancestors lose what
the new ones gain — so counts still equal a recount and scope follows the new place."""

import pytest
from django.contrib.auth import get_user_model

from qianshao.accounts.actions import create_login
from qianshao.grid.actions import move_cell
from qianshao.grid.models import Role
from qianshao.hazards import actions, public, tally
from qianshao.hazards.models import Grade, Hazard, PublicReport, Status, Step
from qianshao.hazards.permissions import allowed_steps
from qianshao.hazards.tests.conftest import tally_recount, tally_stored
from qianshao.testing import appoint


@pytest.fixture
def in_village(cast, hazard_in):
    """Three hazards in 一村 (submitted, rectifying, a major one closed) and a public report."""
    made = [
        hazard_in(Status.SUBMITTED),
        hazard_in(Status.RECTIFYING),
        hazard_in(Status.CLOSED, grade=Grade.MAJOR),
    ]
    public.submit_report(text="路边落石", cell=cast.village, client_address="198.51.100.7")
    return made


def totals(path: str) -> int:
    return sum(tally.counts([path])[path].values())


def test_moving_a_village_to_another_township_carries_its_hazards_and_counts(cast, in_village):
    jia, yi = cast.township, cast.cell("450901101")
    assert (totals(jia.path), totals(yi.path), totals(cast.county.path)) == (3, 0, 3)
    old_path = cast.village.path
    village = move_cell(cast.users["admin"], cast.village, yi)
    assert village.path == f"{yi.path}450901100201."
    paths = set(Hazard.objects.values_list("cell_path", flat=True))
    assert paths == {village.path}
    assert set(PublicReport.objects.values_list("cell_path", flat=True)) == {village.path}
    assert (totals(jia.path), totals(yi.path), totals(cast.county.path)) == (0, 3, 3)
    assert totals(village.path) == 3 and totals(old_path) == 0
    assert tally_stored() == tally_recount()


def test_moving_a_township_to_another_county_moves_the_county_counts(cast, in_village):
    other = cast.other_county
    assert (totals(cast.county.path), totals(other.path)) == (3, 0)
    township = move_cell(cast.users["admin"], cast.township, other)
    assert (totals(cast.county.path), totals(other.path)) == (0, 3)
    assert totals(township.path) == 3
    assert tally_stored() == tally_recount()


def test_after_a_move_the_new_township_triages_and_steps_keep_the_counts(
    cast, in_village, category
):
    yi = cast.cell("450901101")
    yizhen = create_login(
        None,
        appoint(yi, Role.DISPATCHER, name="乙镇调度员"),
        username="yizhen",
        password="yizhen-password-1",
    )
    move_cell(cast.users["admin"], cast.village, yi)
    h = Hazard.objects.get(pk=in_village[0].pk)
    assert allowed_steps(cast.users["township"], h) == []  # no longer 甲镇's
    assert set(allowed_steps(yizhen, h)) == {Step.ACCEPT, Step.RETURN, Step.MERGE}
    actions.accept(yizhen, h)
    village = get_user_model().objects.get(username="village")  # scope is kept per request
    actions.report(village, title="新隐患", description="d", category=category, cell=h.cell)
    assert totals(yi.path) == 4
    assert tally_stored() == tally_recount()
