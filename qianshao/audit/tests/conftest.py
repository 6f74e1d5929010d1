"""Fixtures of the audit tests."""

import pytest

from qianshao.audit.models import AuditRecord
from qianshao.grid import actions
from qianshao.grid.models import Role
from qianshao.testing import appoint


@pytest.fixture
def chain_with_an_ended_term(cast):
    """The cast's chain plus an appointment, its end (a record with every field filled) and
    one more action after it. Returns the end-of-term record."""
    township = cast.users["township"]
    person = appoint(cast.village, Role.MEMBER, name="王五", actor=township)
    assignment = person.assignments.get()
    actions.end_term(township, assignment, reason="调离本村")
    ended = AuditRecord.objects.get(action="grid.end_term")
    actions.create_person(township, name="赵六", phone="13700000001", cell=cast.village)
    return ended
