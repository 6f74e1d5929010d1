from datetime import timedelta

import pytest
from django.utils import timezone

from qianshao.disasters import actions
from qianshao.disasters.models import DisasterType


@pytest.fixture
def disaster_in(cast):
    """``disaster_in(cell, by=..., **figures)``: a flood reported an hour ago through the
    actions, by ``village`` in 一村 unless told otherwise."""

    def make(cell=None, *, by="village", started=None, place="", note="", **figures):
        return actions.report(
            cast.users[by],
            type=DisasterType.FLOOD,
            started_at=started or timezone.now() - timedelta(hours=1),
            cell=cell or cast.village,
            place=place,
            figures={"affected": 10} | figures,
            note=note,
        )

    return make
