"""A cell moved in the grid takes the incidents' records with it: every model of the area
that keeps a cell's path is followed, and the counters move too."""

import pytest
from django.apps import apps

from qianshao.grid import actions as grid_actions
from qianshao.incidents import tally
from qianshao.incidents.models import Incident, Relay
from qianshao.incidents.signals import PATHS
from qianshao.incidents.tests.helpers import an_incident

pytestmark = pytest.mark.django_db


def test_every_model_keeping_a_path_is_followed():
    keeping = {
        m
        for m in apps.get_app_config("incidents").get_models()
        if any(f.name == "cell_path" for f in m._meta.get_fields())
    }
    assert keeping == {model for model, _field in PATHS}


def test_a_moved_village_takes_its_incident_along(cast):
    incident = an_incident(cast)
    other = cast.cell("450901101")
    grid_actions.move_cell(None, cast.village, other)
    incident.refresh_from_db()
    village = type(cast.village).objects.get(pk=cast.village.pk)
    assert incident.cell_path == village.path and village.path.startswith(other.path)
    assert Relay.objects.get(incident=incident).cell_path == cast.township.path
    assert Incident.objects.filter(cell_path__startswith=other.path).count() == 1
    assert tally.matches()
