"""The forces' counters, tested with Hypothesis: after any sequence of team actions — teams
made in random cells of random kinds, people added and leaving (some in several teams,
some twice, refused), steps taken (some refused by the flow), kinds changed — by the system
or a township's dispatcher (refused outside 甲镇),

- the kept tallies equal a recount from the rows (``tally.matches``);
- each team's ``members_n`` is its count of current Member rows;
- a cell meets its norm (``met``, and the compliance table's ``meets``) exactly when one
  counted team at the cell has at least the minimum of current members, recounted here from
  the Member rows without ``members_n``.

Each example runs in a transaction rolled back at its end.
"""

from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qianshao.grid.models import Cell
from qianshao.lib.errors import ActionError
from qianshao.lib.settled import forget_all
from qianshao.resources import actions_forces as actions
from qianshao.resources import tally
from qianshao.resources.compliance_forces import compliance
from qianshao.resources.models import Member, Norm, Team, TeamKind, TeamStatus, TeamStep

CELLS = ["450901", "450901100", "450901101", "450901100201", "450901100202", "450901101201"]
KINDS = [TeamKind.COMPREHENSIVE, TeamKind.FLOOD]
STEPS = [s for s in TeamStep.values if s != TeamStep.CREATE]
PHONES = [f"1397000{i:04d}" for i in range(8)]

op = st.one_of(
    st.tuples(st.just("team"), st.integers(0, len(CELLS) - 1), st.sampled_from(KINDS)),
    st.tuples(st.just("add"), st.integers(0, 5), st.integers(0, len(PHONES) - 1)),
    st.tuples(st.just("leave"), st.integers(0, 5), st.integers(0, len(PHONES) - 1)),
    st.tuples(st.just("step"), st.integers(0, 5), st.sampled_from(STEPS)),
    st.tuples(st.just("kind"), st.integers(0, 5), st.sampled_from(KINDS)),
)
plays = st.lists(st.tuples(op, st.sampled_from([None, "township"])), min_size=1, max_size=30)


def play(cast, ops) -> None:
    cells = {c.code: c for c in Cell.objects.filter(code__in=CELLS)}
    for (name, a, b), who in ops:
        user = cast.users[who] if who else None
        teams = list(Team.objects.order_by("pk"))
        try:
            if name == "team":
                actions.create_team(user, cell=cells[CELLS[a]], name=f"队{len(teams)}", kind=b)
            elif not teams:
                continue
            elif name == "add":
                team = teams[a % len(teams)]
                actions.add_member(user, team, name="某人", phone=PHONES[b])
            elif name == "leave":
                team = teams[a % len(teams)]
                member = Member.objects.filter(team=team, person__phone=PHONES[b], left=None)
                if member.exists():
                    actions.remove_member(user, member.select_related("team").get())
            elif name == "step":
                actions.team_step(user, teams[a % len(teams)], b)
            else:
                team = teams[a % len(teams)]
                actions.edit_team(user, team, name=team.name, kind=b)
        except ActionError:
            pass  # refused: nothing of it was written (checked by the recounts below)


def meets_by_recount(cell: Cell, minimum: int) -> bool:
    current = Counter(
        Member.objects.filter(team__cell=cell, team__kind=TeamKind.COMPREHENSIVE, left=None)
        .exclude(team__status=TeamStatus.REVOKED)
        .values_list("team_id", flat=True)
    )
    return any(n >= minimum for n in current.values())


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=plays)
def test_the_counters_and_the_norm_follow_any_sequence_of_actions(cast, ops):
    with transaction.atomic():
        Norm.objects.filter(cell_kind="village").update(minimum=2)
        Norm.objects.filter(cell_kind="township").update(minimum=3)
        play(cast, ops)
        assert tally.matches()
        for team in Team.objects.all():
            assert team.members_n == Member.objects.filter(team=team, left=None).count()
        minimums = {"township": 3, "village": 2}
        for parent in ("450901", "450901100", "450901101"):
            for row in compliance(Cell.objects.get(code=parent)).children:
                if row.minimum is not None:
                    assert row.meets == meets_by_recount(row.cell, minimums[row.cell.kind])
        transaction.set_rollback(True)
    forget_all()
