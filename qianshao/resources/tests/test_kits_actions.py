"""Kits: cards kept for the holders of a duty, pieces issued and stepped, completeness per
person and per cell, and the tallies always equal to a recount."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from qianshao.grid import actions as grid_actions
from qianshao.grid.models import Duty, Role, RoleAssignment
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.resources import actions_kits, readiness_kits, tally
from qianshao.resources.access_kits import access_card
from qianshao.resources.models import ItemStatus, KitCard, KitItem, KitLine, KitStandard
from qianshao.testing import appoint

NINE = "nine_ones"
FOUR = "four_smalls"


def officer(cell, name="应急员"):
    """A new 专职应急员 in ``cell`` (a village member with the duty)."""
    return appoint(cell, Role.MEMBER, name=name, duties=[Duty.EMERGENCY_OFFICER])


def card_of(person, code=NINE) -> KitCard:
    return KitCard.objects.select_related("standard").get(person=person, standard__code=code)


def issue_all(actor, card, *, but=()):
    """Issue one piece of each line of the card's standard, but the lines named in ``but``."""
    for line in card.standard.lines.exclude(name__in=but):
        actions_kits.issue(actor, card, line=line.pk, quantity=1)
    return KitCard.objects.get(pk=card.pk)


def kit(path, code=NINE):
    return readiness_kits.figures([path])[path]["kits"][code]


def test_the_seeded_standards_are_the_policy_seeds_words(db):
    nine = KitStandard.objects.get(code=NINE)
    four = KitStandard.objects.get(code=FOUR)
    assert (nine.name, nine.duty) == ("九个一", Duty.EMERGENCY_OFFICER)
    assert list(nine.lines.values_list("name", "quantity")) == [
        (n, 1)
        for n in [
            "雨衣",
            "救生衣",
            "雨靴",
            "强光手电",
            "救援绳",
            "警报器",
            "大喇叭",
            "应急通讯录",
            "灾情登记本",
        ]
    ]
    assert (four.name, four.duty) == ("四小件", Duty.FLOOD_PATROLLER)
    assert list(four.lines.values_list("name", flat=True)) == ["头盔", "电筒", "防雨护具", "救生衣"]


def test_a_duty_holder_gets_a_card_and_is_counted_up_the_tree(cast):
    person = officer(cast.village)
    card = card_of(person)
    assert (card.cell_path, card.active, card.complete, card.missing) == (
        cast.village.path,
        True,
        False,
        9,
    )
    for cell in (cast.village, cast.township, cast.county):
        assert kit(cell.path) | {"name": ""} == {
            "name": "",
            "holders": 1,
            "complete": 0,
            "percent": 0,
        }
    assert kit(cast.other_county.path)["holders"] == 0
    assert not KitCard.objects.filter(person=person, standard__code=FOUR).exists()
    assert tally.matches()


def test_completeness_per_person_and_per_cell_with_percentages(cast):
    county = cast.users["county"]
    a, b, c = officer(cast.village, "甲"), officer(cast.village, "乙"), officer(cast.village, "丙")
    d = officer(cast.cells["450901101201"], "丁")  # 三村
    full = issue_all(county, card_of(a))
    part = issue_all(county, card_of(b), but=["大喇叭", "雨靴"])
    issue_all(county, card_of(d))
    assert (full.complete, full.missing) == (True, 0)
    assert (part.complete, part.missing) == (False, 2)
    assert card_of(c).missing == 9
    assert kit(cast.village.path) | {"name": ""} == {
        "name": "",
        "holders": 3,
        "complete": 1,
        "percent": 33,
    }
    assert kit(cast.cells["450901101201"].path)["percent"] == 100
    county_kit = kit(cast.county.path)
    assert (county_kit["holders"], county_kit["complete"], county_kit["percent"]) == (4, 2, 50)
    assert kit(cast.cells["450901100202"].path)["percent"] is None  # 二村: no holder
    assert tally.matches()


def test_a_lost_piece_makes_the_kit_incomplete_and_its_replacement_complete_again(cast):
    county = cast.users["county"]
    card = issue_all(county, card_of(officer(cast.village)))
    raincoat = KitItem.objects.get(card=card, line__name="雨衣")
    lost = actions_kits.step(county, raincoat, "lose", note="汛期巡查中遗失")
    assert lost.status == ItemStatus.LOST
    card.refresh_from_db()
    assert (card.complete, card.missing) == (False, 1)
    assert kit(cast.county.path)["complete"] == 0
    assert tally.matches()

    actions_kits.step(county, lost, "replace", condition="new")
    card.refresh_from_db()
    assert (card.complete, card.missing) == (True, 0)
    lost.refresh_from_db()
    assert lost.status == ItemStatus.REPLACED
    new = lost.replaced_by
    assert (new.status, new.line.name) == (ItemStatus.IN_USE, "雨衣")
    assert kit(cast.county.path)["complete"] == 1
    assert tally.matches()


def test_damaged_and_returned_pieces_leave_the_kit_and_a_returned_one_is_not_replaced(cast):
    county = cast.users["county"]
    card = issue_all(county, card_of(officer(cast.village)))
    rope, boots = (KitItem.objects.get(card=card, line__name=n) for n in ("救援绳", "雨靴"))
    actions_kits.step(county, rope, "damage")
    actions_kits.step(county, boots, "return")
    card.refresh_from_db()
    assert card.missing == 2
    with pytest.raises(Conflict) as refused:
        actions_kits.step(county, KitItem.objects.get(pk=boots.pk), "replace")
    assert refused.value.field == "step"
    with pytest.raises(Conflict):
        actions_kits.step(county, KitItem.objects.get(pk=rope.pk), "lose")  # not in use
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ActionError) as refused:
        actions_kits.step(county, KitItem.objects.get(pk=rope.pk), "replace", on=tomorrow)
    assert (refused.value.status, refused.value.field) == (400, "on")
    with pytest.raises(NotAllowed):
        actions_kits.step(cast.users["village"], KitItem.objects.get(pk=rope.pk), "replace")
    assert KitItem.objects.get(pk=rope.pk).status == ItemStatus.DAMAGED
    assert tally.matches()


def test_two_pieces_of_a_line_wanting_two(cast):
    county = cast.users["county"]
    card = card_of(officer(cast.village))
    torch = KitLine.objects.get(standard=card.standard, name="强光手电")
    torch.quantity = 2
    torch.save()  # the admin changes a line: every card of the standard is worked out again
    card.refresh_from_db()
    assert card.missing == 10
    card = issue_all(county, card)
    assert (card.complete, card.missing) == (False, 1)
    actions_kits.issue(county, card, line=torch.pk, quantity=1)
    card.refresh_from_db()
    assert card.complete
    assert tally.matches()


def test_a_term_ended_or_a_duty_taken_closes_the_card_and_uncounts_the_holder(cast):
    county = cast.users["county"]
    person = officer(cast.village)
    issue_all(county, card_of(person))
    assert kit(cast.county.path)["complete"] == 1
    term = RoleAssignment.objects.get(person=person)
    grid_actions.end_term(county, term, end=timezone.localdate() - timedelta(days=1))
    card = card_of(person)
    assert not card.active
    assert kit(cast.county.path) | {"name": ""} == {
        "name": "",
        "holders": 0,
        "complete": 0,
        "percent": None,
    }
    with pytest.raises(Conflict) as refused:
        actions_kits.issue(county, card, line=card.standard.lines.first().pk)
    assert refused.value.field == "card"
    # the pieces stay on the card and may still be taken back
    actions_kits.step(county, KitItem.objects.filter(card=card).first(), "return")
    assert tally.matches()


def test_the_same_person_given_the_duty_again_reopens_their_card(cast):
    county = cast.users["county"]
    person = officer(cast.village)
    issue_all(county, card_of(person))
    term = RoleAssignment.objects.get(person=person)
    grid_actions.end_term(county, term, end=timezone.localdate() - timedelta(days=1))
    grid_actions.assign_role(
        county,
        person=person,
        cell=cast.cells["450901100202"],
        role=Role.MEMBER,
        duties=[Duty.EMERGENCY_OFFICER, Duty.FLOOD_PATROLLER],
        notify=False,
    )
    card = card_of(person)
    assert (card.active, card.complete, card.cell_path) == (
        True,
        True,
        cast.cells["450901100202"].path,
    )
    assert kit(cast.cells["450901100202"].path)["complete"] == 1
    assert kit(cast.village.path)["holders"] == 0
    assert kit(cast.county.path, FOUR)["holders"] == 1
    assert tally.matches()


def test_a_term_still_to_begin_opens_an_inactive_card(cast):
    person = appoint(
        cast.village,
        Role.MEMBER,
        duties=[Duty.FLOOD_PATROLLER],
        start=timezone.localdate() + timedelta(days=10),
    )
    card = card_of(person, FOUR)
    assert (card.active, card.recheck_on) == (False, timezone.localdate() + timedelta(days=10))
    assert kit(cast.county.path, FOUR)["holders"] == 0
    assert tally.matches()


def test_refusals_name_their_field_and_change_nothing(cast):
    county = cast.users["county"]
    card = card_of(officer(cast.village))
    rope = KitLine.objects.get(standard=card.standard, name="救援绳")
    with pytest.raises(Http404):
        access_card(cast.users["outsider"], card.pk)
    for who in ("village", "department"):
        with pytest.raises(NotAllowed) as refused:
            actions_kits.issue(cast.users[who], card, line=rope.pk)
        assert refused.value.status == 403
    other_line = KitLine.objects.get(standard__code=FOUR, name="头盔")
    for bad in (other_line.pk, 999999, "雨衣", None):
        with pytest.raises(ActionError) as refused:
            actions_kits.issue(county, card, line=bad)
        assert (refused.value.status, refused.value.field) == (400, "line")
    for bad in (0, -1, "x", 51):
        with pytest.raises(ActionError) as refused:
            actions_kits.issue(county, card, line=rope.pk, quantity=bad)
        assert (refused.value.status, refused.value.field) == (400, "quantity")
    with pytest.raises(ActionError) as refused:
        actions_kits.issue(
            county, card, line=rope.pk, issued_on=timezone.localdate() + timedelta(days=1)
        )
    assert refused.value.field == "issued_on"
    with pytest.raises(ActionError) as refused:
        actions_kits.issue(county, card, line=rope.pk, condition="shiny")
    assert refused.value.field == "condition"
    assert not KitItem.objects.exists()
    card.refresh_from_db()
    assert card.missing == 9


def test_a_villages_head_issues_to_its_own_officer_but_not_to_the_next_village(cast):
    head = appoint(cast.village, Role.HEAD, name="村支书")
    from qianshao.accounts.actions import create_login

    user = create_login(None, head, username="head1", password="cast-password-1")
    own = card_of(officer(cast.village))
    actions_kits.issue(user, own, line=own.standard.lines.first().pk)
    assert KitItem.objects.filter(card=own).count() == 1
    neighbour = card_of(officer(cast.cells["450901100202"]))
    with pytest.raises(Http404):
        access_card(user, neighbour.pk)
    with pytest.raises(NotAllowed):
        actions_kits.issue(user, neighbour, line=neighbour.standard.lines.first().pk)


def test_a_standard_added_by_an_admin_opens_cards_for_the_duty_holders(cast):
    patroller = appoint(cast.village, Role.MEMBER, duties=[Duty.FOREST_RANGER])
    standard = KitStandard.objects.create(code="ranger", name="护林三件", duty=Duty.FOREST_RANGER)
    card = card_of(patroller, "ranger")
    assert (card.active, card.complete) == (True, True)  # no lines yet: nothing missing
    KitLine.objects.create(standard=standard, name="砍刀", quantity=1)
    card.refresh_from_db()
    assert (card.complete, card.missing) == (False, 1)
    assert kit(cast.county.path, "ranger")["complete"] == 0
    assert tally.matches()
    tally.rebuild()
    assert tally.matches()


def test_the_demo_issues_kits_partly_through_the_actions(cast):
    from qianshao.resources import demo_kits

    for i in range(6):
        officer(cast.village, f"员{i}")
        appoint(cast.village, Role.MEMBER, name=f"巡{i}", duties=[Duty.FLOOD_PATROLLER])
    issued = demo_kits.build(cast.county)
    assert 0 < issued <= 12
    cards = KitCard.objects.filter(active=True)
    assert cards.filter(complete=True).exists() and cards.filter(complete=False).exists()
    assert KitItem.objects.filter(status=ItemStatus.REPLACED).count() <= 1
    assert tally.matches()


def test_a_whole_kit_is_issued_at_once_or_not_at_all(cast):
    county = cast.users["county"]
    card = card_of(officer(cast.village))
    lines = {line.pk: 1 for line in card.standard.lines.all()}
    with pytest.raises(ActionError) as refused:
        actions_kits.issue_lines(county, card, lines | {999999: 1})
    assert refused.value.field == "line"
    assert not KitItem.objects.exists()
    card = actions_kits.issue_lines(county, card, lines)
    assert (card.complete, KitItem.objects.count()) == (True, 9)
    assert tally.matches()


def test_the_admin_shows_a_standard_with_its_lines_and_the_cards_read_only(cast, client):
    client.force_login(cast.users["admin"])
    nine = KitStandard.objects.get(code=NINE)
    page = client.get(f"/admin/resources/kitstandard/{nine.pk}/change/")
    assert page.status_code == 200 and "灾情登记本" in page.content.decode()
    card_of(officer(cast.village))
    assert client.get("/admin/resources/kitcard/").status_code == 200
    assert client.get("/admin/resources/kitcard/add/").status_code == 403


def test_a_moved_village_takes_its_cards_and_their_counts_along(cast):
    card = issue_all(cast.users["county"], card_of(officer(cast.village)))
    yi = cast.cells["450901101"]
    grid_actions.move_cell(cast.users["admin"], cast.village, yi)
    card.refresh_from_db()
    assert card.cell_path.startswith(yi.path)
    assert kit(cast.township.path)["complete"] == 0
    assert kit(yi.path)["complete"] == 1 and kit(cast.county.path)["complete"] == 1
    assert tally.matches()
