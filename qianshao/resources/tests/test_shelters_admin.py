import pytest

from qianshao.audit.models import AuditRecord
from qianshao.resources import tally
from qianshao.resources.models import Shelter, ShelterRule
from qianshao.resources.tests.shelters_helpers import shelter

pytestmark = pytest.mark.django_db


def test_the_admin_changes_the_per_person_area_through_the_action(cast, client_for):
    s = shelter(cast, area="1000")
    admin = client_for(cast.users["admin"])
    answer = admin.post("/admin/resources/shelterrule/add/", {"per_person_m2": "1.00"})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert ShelterRule.objects.get().per_person_m2 == 1
    assert Shelter.objects.get(pk=s.pk).capacity == 1000
    assert tally.read(cast.county.path, "capacity") == {"capacity": {"": 1000}}
    assert AuditRecord.objects.filter(action="resources.shelter.rule").count() == 1
    refused = admin.post("/admin/resources/shelterrule/add/", {"per_person_m2": "2"})
    assert refused.status_code == 403  # one row
    rule = ShelterRule.objects.get()
    admin.post(f"/admin/resources/shelterrule/{rule.pk}/change/", {"per_person_m2": "0.50"})
    assert Shelter.objects.get(pk=s.pk).capacity == 2000 and ShelterRule.objects.count() == 1
    assert tally.matches()
