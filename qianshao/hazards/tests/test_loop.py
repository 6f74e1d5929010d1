"""A hazard travels the whole loop through the actions, and each step is audited."""

import pytest

from qianshao.audit.models import AuditRecord
from qianshao.hazards import actions
from qianshao.hazards.models import Hazard, Status, Step
from qianshao.hazards.permissions import allowed_steps
from qianshao.hazards.tally import counts
from qianshao.hazards.tests.conftest import jpeg
from qianshao.lib.errors import Conflict, NotAllowed


def test_a_hazard_goes_from_a_village_phone_to_closure(cast, category, photo, later):
    village, township = cast.users["village"], cast.users["township"]
    county = cast.users["county"]
    h = actions.report(
        village,
        title="厂房消防通道堵塞",
        description="通道堆放杂物",
        category=category,
        cell=cast.village,
        photo_files=[photo],
    )
    assert h.status == Status.SUBMITTED and h.due_at is not None
    assert h.photos.count() == 1
    assert allowed_steps(village, h) == []
    assert set(allowed_steps(township, h)) == {Step.ACCEPT, Step.RETURN, Step.MERGE}

    h = actions.accept(township, h)
    h = actions.assign(
        township,
        h,
        measures="清理杂物",
        responsible=cast.people["village"],
        deadline=later,
        contingency="设置警示",
        assignee_cell=cast.village,
    )
    assert h.status == Status.ASSIGNED and h.due_at is not None
    h = actions.start(village, h)
    assert h.due_at == later, "rectification is due at the plan's deadline"
    h = actions.progress(village, h, note="已清理一半", photo_files=[("p.jpg", jpeg())])
    h = actions.submit(village, h, photo_files=[("after.jpg", jpeg())])
    assert h.status == Status.VERIFYING
    with pytest.raises(NotAllowed):
        actions.verify(village, h)  # the rectifier may not verify
    h = actions.verify(county, h, note="已核查")
    h = actions.close(township, h)
    assert h.status == Status.CLOSED and h.due_at is None and h.watch_at is None

    steps = list(AuditRecord.objects.for_object(h).values_list("action", flat=True))
    assert steps == [
        "hazards.report",
        "hazards.accept",
        "hazards.assign",
        "hazards.start",
        "hazards.progress",
        "hazards.submit",
        "hazards.verify",
        "hazards.close",
    ]
    tallied = counts([cast.village.path, cast.county.path, cast.other_county.path])
    assert tallied[cast.village.path] == {("closed", "general", False): 1}
    assert tallied[cast.county.path] == {("closed", "general", False): 1}
    assert tallied[cast.other_county.path] == {}


def test_a_second_click_on_the_same_step_is_refused_and_changes_nothing(cast, category):
    h = actions.report(
        cast.users["village"], title="t", description="d", category=category, cell=cast.village
    )
    actions.accept(cast.users["township"], h)
    with pytest.raises(Conflict):
        actions.accept(cast.users["township"], h)
    assert Hazard.objects.get(pk=h.pk).status == Status.ACCEPTED
    assert AuditRecord.objects.filter(action="hazards.accept").count() == 1
