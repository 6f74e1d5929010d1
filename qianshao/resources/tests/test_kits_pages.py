"""The kit pages: the completeness table drilled down the tree, a holder's card with each
line issued or missing, the issue form and the step buttons — errors on their fields."""

import uuid

from qianshao.grid.models import Duty, Role
from qianshao.resources.models import ItemStatus, KitCard, KitItem
from qianshao.testing import appoint


def officer_card(cell, name="应急员") -> KitCard:
    person = appoint(cell, Role.MEMBER, name=name, duties=[Duty.EMERGENCY_OFFICER])
    return KitCard.objects.select_related("standard").get(person=person)


def issue_form(card, line_name="雨衣", **extra):
    line = card.standard.lines.get(name=line_name)
    data = {
        "client_uuid": str(uuid.uuid4()),
        "line": line.pk,
        "quantity": 1,
        "issued_on": "2024-05-01",
        "condition": "new",
    }
    return data | extra


def test_the_completeness_table_shows_each_childs_holders_complete_and_share(cast, client_for):
    client = client_for(cast.users["county"])
    card = officer_card(cast.village)
    officer_card(cast.cells["450901100202"], "乙")
    for line in card.standard.lines.all():
        client.post(f"/resources/kits/cards/{card.pk}/issue/", issue_form(card, line.name))
    page = client.get("/resources/kits/?cell=450901")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-code="450901100"' in html and 'data-code="450901101"' in html
    total = html.split('data-code="450901"')[1].split("</tr>")[0]
    assert "2 / 1 / 50%" in total
    township = html.split('data-code="450901100"')[1].split("</tr>")[0]
    assert "2 / 1 / 50%" in township and "?cell=450901100" in township
    other = html.split('data-code="450901101"')[1].split("</tr>")[0]
    assert "0 / 0 / —" in other
    drilled = client.get("/resources/kits/?cell=450901100").content.decode()
    village = drilled.split('data-code="450901100201"')[1].split("</tr>")[0]
    assert "1 / 1 / 100%" in village
    incomplete = client.get("/resources/kits/?cell=450901&incomplete=1").content.decode()
    assert f'data-card="{card.pk}"' not in incomplete and "乙" in incomplete


def test_the_card_page_lists_each_line_issued_or_missing_and_issues_pieces(cast, client_for):
    client = client_for(cast.users["county"])
    card = officer_card(cast.village)
    page = client.get(f"/resources/kits/cards/{card.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "缺 9 件" in html and 'id="kit-issue"' in html
    done = client.post(f"/resources/kits/cards/{card.pk}/issue/", issue_form(card, quantity=1))
    assert done.status_code == 302
    html = client.get(f"/resources/kits/cards/{card.pk}/").content.decode()
    row = html.split('data-line="雨衣"')[1].split("</tr>")[0]
    assert "在用" in row and 'data-testid="step-lose-' in row
    assert "缺 8 件" in html


def test_bad_input_is_shown_on_its_field_and_nothing_is_issued(cast, client_for):
    client = client_for(cast.users["county"])
    card = officer_card(cast.village)
    for extra, field in [
        ({"quantity": 0}, "quantity"),
        ({"line": 999999}, "line"),
        ({"issued_on": "2999-01-01"}, "issued_on"),
    ]:
        answer = client.post(f"/resources/kits/cards/{card.pk}/issue/", issue_form(card, **extra))
        assert answer.status_code == 400, extra
        form = answer.context["issue_form"]
        assert field in form.errors, (extra, form.errors)
    assert not KitItem.objects.exists()


def test_steps_from_the_page_lose_and_replace_a_piece(cast, client_for):
    client = client_for(cast.users["county"])
    card = officer_card(cast.village)
    client.post(f"/resources/kits/cards/{card.pk}/issue/", issue_form(card))
    item = KitItem.objects.get(card=card)
    form = {"client_uuid": str(uuid.uuid4()), "note": "丢了"}
    assert client.post(f"/resources/kits/items/{item.pk}/lose/", form).status_code == 302
    assert client.post(f"/resources/kits/items/{item.pk}/lose/", form).status_code == 302  # resend
    again = {"client_uuid": str(uuid.uuid4())}
    refused = client.post(f"/resources/kits/items/{item.pk}/return/", again)
    assert refused.status_code == 409 and "丢失" in refused.content.decode()
    replaced = {"client_uuid": str(uuid.uuid4()), "condition": "good"}
    assert client.post(f"/resources/kits/items/{item.pk}/replace/", replaced).status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.REPLACED
    assert item.replaced_by.status == ItemStatus.IN_USE
    assert client.post(f"/resources/kits/items/{item.pk}/fly/", again).status_code == 404


def test_a_field_member_and_a_department_see_the_card_without_forms_and_are_refused(
    cast, client_for
):
    card = officer_card(cast.village)
    for who in ("village", "department"):
        client = client_for(cast.users[who])
        page = client.get(f"/resources/kits/cards/{card.pk}/")
        assert page.status_code == 200 and 'id="kit-issue"' not in page.content.decode()
        answer = client.post(f"/resources/kits/cards/{card.pk}/issue/", issue_form(card))
        assert answer.status_code == 403
    assert not KitItem.objects.exists()
