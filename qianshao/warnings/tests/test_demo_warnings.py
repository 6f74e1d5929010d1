"""The demo county's warnings (``warnings.demo``): one past and expired, one cancelled after
a township relayed it, one in force — each with the 叫应 history a real one leaves: some
answered, some not, the answers spread over time, the chase having run."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Max, Min

from qianshao.warnings.models import Answer, Delivery, Level, Reply, Source, Status, Warning


def answered_and_not(w: Warning) -> tuple[int, int]:
    deliveries = Delivery.objects.filter(warning=w)
    answered = deliveries.filter(answered_at__isnull=False).count()
    return answered, deliveries.count() - answered


@pytest.mark.django_db
def test_the_demo_county_has_past_and_present_warnings_with_a_realistic_answer_history():
    call_command("demo", stdout=io.StringIO())
    own = Warning.objects.filter(parent=None)
    assert own.count() == 3
    expired = own.get(status=Status.EXPIRED)
    cancelled = own.get(status=Status.CANCELLED)
    in_force = own.get(status=Status.ISSUED)
    assert (expired.level, cancelled.level, in_force.level) == (
        Level.BLUE,
        Level.ORANGE,
        Level.YELLOW,
    )
    assert expired.issued_at < cancelled.issued_at < in_force.issued_at
    assert cancelled.end_reason and expired.ended_at >= expired.valid_until

    # the cancelled one was relayed by a township, and the relay ended with it
    [relay] = Warning.objects.filter(parent=cancelled)
    assert (relay.source, relay.status) == (Source.RELAY, Status.CANCELLED)
    assert relay.instruction and relay.cell.kind == "township"

    for w in (expired, cancelled, in_force):
        answered, silent = answered_and_not(w)
        assert answered > 0 and silent > 0, (w.number, answered, silent)
        assert w.recipients == answered + silent
        spread = Delivery.objects.filter(warning=w).aggregate(
            first=Min("answered_at"), last=Max("answered_at")
        )
        assert spread["first"] > w.issued_at, w.number
        assert spread["last"] - spread["first"] >= timedelta(minutes=10), w.number
        times = Delivery.objects.filter(warning=w, answered_at__isnull=False)
        assert times.values("answered_at").distinct().count() > 1, w.number

    # the past ones were chased: some answered only after their time was up, and the
    # chase went on to the level above for those who never did
    for w in (expired, cancelled):
        late = Delivery.objects.filter(warning=w, answered_at__gt=w.answer_due_at)
        assert late.exists(), w.number
        assert w.chase_level == 2 and w.chase_at is None, w.number
    # in the cancelled one, some reported acting and done, with the people they moved
    replies = Reply.objects.filter(delivery__warning=cancelled)
    assert replies.filter(answer=Answer.ACTING).exists()
    assert replies.filter(answer=Answer.DONE, evacuated__gt=0).exists()
    # the one in force is waiting for the demo's village user, not yet due
    mine = Delivery.objects.get(warning=in_force, person__user__username="village")
    assert mine.answered_at is None and not mine.is_overdue


@pytest.mark.django_db
def test_in_the_demo_county_every_spelling_of_most_of_it_needs_approval_and_one_township_not():
    """The probe's spellings on 凌云县 itself (76 villages and 3 communities, 15 of them in
    泗城镇), red, drafted by the county's dispatcher."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from qianshao.grid.models import Cell, CellKind
    from qianshao.warnings import actions
    from qianshao.warnings.models import WarningType
    from qianshao.warnings.permissions import needs_approval

    call_command("demo", stdout=io.StringIO())
    county = Cell.objects.get(code="451027")
    townships = list(Cell.objects.filter(parent=county, kind=CellKind.TOWNSHIP))
    park = Cell.objects.get(parent=county, kind=CellKind.PARK)
    base = list(county.subtree().filter(kind__in=[CellKind.VILLAGE, CellKind.COMMUNITY]))
    sicheng = Cell.objects.get(code="451027100")
    user = get_user_model().objects.get(username="county")

    def needs(targets) -> bool:
        w = actions.draft(
            user,
            type=WarningType.objects.get(code="rainstorm"),
            level=Level.RED,
            headline="暴雨红色预警",
            text="测试",
            targets=targets,
            valid_until=timezone.now() + timedelta(hours=6),
        )
        return needs_approval(w)

    assert len(townships) == 8 and len(base) == 110
    assert needs([county])
    assert needs(townships)
    assert all(needs([*(t for t in townships if t != left), park]) for left in townships)
    assert needs(base)
    assert not needs([sicheng])
