import io
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from qianshao.grid.models import Domain, Role
from qianshao.testing import appoint


def jpeg(width=64, height=48, color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def photo():
    return ("before.jpg", jpeg())


@pytest.fixture
def category(db):
    return Domain.objects.get(code="industry_trade")


@pytest.fixture
def station(cast):
    """A rectifier with a login: the member of 一村 (the village station)."""
    return cast.users["village"]


@pytest.fixture
def later():
    return timezone.now() + timedelta(days=3)


@pytest.fixture
def township_head(cast):
    """A second triage person in 甲镇 (so that one may verify what another rectified)."""
    from qianshao.accounts.actions import create_login

    person = appoint(cast.township, Role.HEAD, name="甲镇书记")
    return create_login(None, person, username="jiazhen-head", password="head-password-1")


@pytest.fixture
def housing(cast):
    """A second county department (住建局) with a member who logs in."""
    from qianshao.accounts.actions import create_login
    from qianshao.grid import actions as grid_actions

    department = grid_actions.create_department(
        None,
        cell=cast.county,
        code="ZJJ",
        name="A县住建局",
        domains=list(Domain.objects.filter(code="fire")),
    )
    person = appoint(cast.county, Role.MEMBER, name="住建人", department=department)
    user = create_login(None, person, username="housing", password="housing-password-1")
    return department, user


def tally_recount() -> dict:
    """The counters as they should be, grouped from the hazards themselves (not through
    ``tally``): {(path, status, grade, overdue): n} for each hazard's cell and ancestors."""
    from collections import Counter

    from qianshao.grid import tree
    from qianshao.hazards.models import Hazard

    found: Counter = Counter()
    rows = Hazard.objects.values_list("cell_path", "status", "grade", "overdue")
    for path, status, grade, overdue in rows:
        for p in [*tree.ancestor_paths(path), path]:
            found[(p, status, grade, overdue)] += 1
    return dict(found)


def tally_stored() -> dict:
    """The kept counters in the same shape, zeros left out (negatives kept, to be seen)."""
    from qianshao.hazards.models import Tally

    rows = Tally.objects.exclude(n=0).values_list("path", "status", "grade", "overdue", "n")
    return {(p, s, g, o): n for p, s, g, o, n in rows}


def hazard_state() -> tuple:
    """Everything a hazard action could touch: a refused action leaves it equal."""
    from qianshao.audit.models import AuditRecord
    from qianshao.hazards.models import (
        Hazard,
        Note,
        Photo,
        PublicReport,
        Reward,
        Supervision,
        Tally,
    )
    from qianshao.notify.models import Message

    columns = [f.attname for f in Hazard._meta.concrete_fields]
    return (
        list(Hazard.objects.order_by("pk").values_list(*columns)),
        AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first(),
        list(Note.objects.order_by("pk").values_list("pk", flat=True)),
        list(Photo.objects.order_by("pk").values_list("pk", "hazard_id", "public_report_id")),
        Message.objects.count(),
        list(Supervision.objects.order_by("pk").values_list("pk", "answered_at")),
        list(PublicReport.objects.order_by("pk").values_list("pk", "status", "hazard_id")),
        Reward.objects.count(),
        list(Tally.objects.order_by("pk").values_list("pk", "n")),
    )


@contextmanager
def nothing_changes():
    """``with nothing_changes(), pytest.raises(...):`` — the refusal wrote nothing."""
    before = hazard_state()
    yield
    assert hazard_state() == before, "a refused action changed something"


def told(event: str, channel: str = "inapp") -> set[int]:
    """The people an ``event`` was queued to on ``channel``."""
    from qianshao.notify.models import Message

    found = Message.objects.filter(event=event, channel=channel)
    return set(found.values_list("person_id", flat=True))


@pytest.fixture
def hazard_in(cast, category, later):
    """``hazard_in(status, **report)``: a new hazard in 一村 brought to ``status`` through
    the actions — reported by ``village``, triaged by ``township``, assigned to 一村 with its
    member responsible, rectified by ``village``, verified by ``county``."""
    from qianshao.hazards import actions
    from qianshao.hazards.models import Status

    village, township, county = (cast.users[u] for u in ("village", "township", "county"))

    def bring(status: str, **report):
        h = actions.report(
            village,
            **{"title": "厂房消防通道堵塞", "description": "通道堆放杂物", "category": category}
            | {"cell": cast.village}
            | report,
        )
        if status == Status.SUBMITTED:
            return h
        if status == Status.RETURNED:
            return actions.return_report(township, h, reason="位置不清")
        if status == Status.MERGED:
            return actions.merge(township, h, into=bring(Status.ACCEPTED))
        h = actions.accept(township, h)
        if status == Status.ACCEPTED:
            return h
        if status == Status.ESCALATED:
            return actions.escalate(township, h)
        h = actions.assign(
            township,
            h,
            measures="清理杂物",
            responsible=cast.people["village"],
            deadline=later,
            contingency="设置警示",
            assignee_cell=cast.village,
        )
        if status == Status.ASSIGNED:
            return h
        h = actions.start(village, h)
        if status == Status.RECTIFYING:
            return h
        h = actions.submit(village, h, photo_files=[("after.jpg", jpeg())])
        if status == Status.VERIFYING:
            return h
        h = actions.verify(county, h)
        if status == Status.VERIFIED:
            return h
        return actions.close(township, h)

    return bring


@pytest.fixture
def reseeded(transactional_db):
    """For transactional tests: a flush at the end of the previous one removed what data
    migrations seed (hazard domains, default deadlines and ladder); put them back."""
    from importlib import import_module

    from django.apps import apps

    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.hazards.migrations.0002_defaults").seed(apps, None)
