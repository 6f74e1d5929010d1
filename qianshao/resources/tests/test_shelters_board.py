"""A warning's board shows, for each cell, the people of its transfer lists (清单人数) next to
the evacuated figure its answers reported: read through ``lib.panels.figure``, the warnings
area importing nothing of resources."""

import re

import pytest

from qianshao.lib import panels
from qianshao.resources.tests.shelters_helpers import household
from qianshao.warnings import actions
from qianshao.warnings.models import Delivery
from qianshao.warnings.tests.conftest import issue, issued, rainstorm, warn  # noqa: F401

pytestmark = pytest.mark.django_db


def test_each_cell_of_the_board_shows_its_listed_people_beside_the_evacuated(
    cast,
    issued,  # noqa: F811 (the warnings' fixture, imported above)
    client_for,
):
    household(cast, members=5)  # 一村
    household(cast, cast.cells["450901100202"], members=3)  # 二村
    w = issued()
    mine = Delivery.objects.get(warning=w, person=cast.people["village"])
    actions.answer(cast.users["village"], mine, answer="received", via="phone")
    actions.answer(cast.users["village"], mine, answer="done", via="phone", evacuated=4)
    county = client_for(cast.users["county"])
    page = county.get(f"/warnings/{w.number}/board/").content.decode()
    assert 'data-count="listed">8<' in page and 'data-count="evacuated">4<' in page
    row = re.search(r'<tr data-cell="450901100">.*?</tr>', page, re.S).group(0)
    assert '<td class="num" data-evacuated>4</td><td class="num" data-listed>8</td>' in row
    page = county.get(f"/warnings/{w.number}/board/?cell=450901100").content.decode()
    row = re.search(r'<tr data-cell="450901100201">.*?</tr>', page, re.S).group(0)
    assert 'data-evacuated>4</td><td class="num" data-listed>5</td>' in row


def test_a_figure_no_area_keeps_is_none_and_the_resources_one_reads_the_tallies(cast):
    assert panels.figure("no_such_figure", [cast.county.path]) is None
    household(cast, members=2)
    paths = [cast.county.path, cast.cells["450901101"].path]
    assert panels.figure("listed_people", paths) == {paths[0]: 2, paths[1]: 0}
