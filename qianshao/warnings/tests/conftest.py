from datetime import timedelta

import pytest
from django.utils import timezone

from qianshao.warnings import actions
from qianshao.warnings.models import Level, WarningType
from qianshao.warnings.permissions import needs_approval


@pytest.fixture
def rainstorm(db):
    return WarningType.objects.get(code="rainstorm")


@pytest.fixture
def warn(cast, rainstorm):
    """``warn(targets, level=..., by=...)``: a draft by ``county`` (or ``by``) for targets."""

    def make(targets=None, *, level=Level.YELLOW, by="county", **fields):
        return actions.draft(
            cast.users[by],
            **{
                "type": rainstorm,
                "level": level,
                "headline": "A县气象台发布暴雨黄色预警",
                "text": "预计未来6小时内降雨量将达50毫米以上。",
                "instruction": "转移危险区群众，巡查地质灾害隐患点。",
                "targets": targets if targets is not None else [cast.township],
                "valid_until": timezone.now() + timedelta(hours=12),
            }
            | fields,
        )

    return make


@pytest.fixture
def issue(cast):
    """``issue(draft)``: ``county`` issues it, approved first by a second person (the
    superuser) when its level and reach ask for one (in the cast, 甲镇 alone is two of
    A县's three villages)."""

    def take(draft):
        if needs_approval(draft):
            draft = actions.approve(cast.users["admin"], draft, note="同意")
        return actions.issue(cast.users["county"], draft)

    return take


@pytest.fixture
def issued(warn, issue):
    """``issued(targets, **fields)``: a warning issued by ``county``."""

    def make(targets=None, **fields):
        return issue(warn(targets, **fields))

    return make
