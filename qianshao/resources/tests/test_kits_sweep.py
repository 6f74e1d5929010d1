"""The kits sweep: a term ending by date alone closes its card the day after (the holder no
longer counted), one beginning opens it; twice is once; a closed card with pieces in use
tells its cell's managers once."""

from datetime import date, timedelta

import time_machine

from qianshao.accounts.actions import create_login
from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Duty, Role
from qianshao.notify.models import Message
from qianshao.resources import actions_kits, readiness_kits, sweep_kits, tally
from qianshao.resources.models import KitCard
from qianshao.testing import appoint

TODAY = date(2026, 6, 1)


def holders(path, code="nine_ones"):
    return readiness_kits.figures([path])[path]["kits"][code]["holders"]


@time_machine.travel("2026-06-01 09:00 +0800", tick=False)
def test_a_term_ending_by_date_closes_the_card_the_day_after_once(cast):
    head = appoint(cast.village, Role.HEAD, name="村支书")
    create_login(None, head, username="head1", password="cast-password-1")
    officer = appoint(
        cast.village,
        Role.MEMBER,
        name="应急员",
        duties=[Duty.EMERGENCY_OFFICER],
        end=TODAY + timedelta(days=2),
    )
    card = KitCard.objects.select_related("standard").get(person=officer)
    assert card.recheck_on == TODAY + timedelta(days=3)
    actions_kits.issue(cast.users["county"], card, line=card.standard.lines.first().pk)
    assert sweep_kits.sweep(TODAY + timedelta(days=2)) == 0  # the term's last day
    assert holders(cast.county.path) == 1

    audited = AuditRecord.objects.count()
    later = TODAY + timedelta(days=5)  # the sweep was down: it catches up
    assert sweep_kits.sweep(later) == 1
    card.refresh_from_db()
    assert (card.active, card.recheck_on) == (False, None)
    assert holders(cast.county.path) == 0 and holders(cast.village.path) == 0
    assert tally.matches()
    assert AuditRecord.objects.count() == audited + 1
    told = Message.objects.filter(event="resources.kit_card_closed")
    assert [m.person_id for m in told] == [head.pk]
    assert "请收回其装备" in told.get().subject

    assert sweep_kits.sweep(later) == 0  # twice is once
    assert told.count() == Message.objects.filter(event="resources.kit_card_closed").count()
    assert AuditRecord.objects.count() == audited + 1


@time_machine.travel("2026-06-01 09:00 +0800", tick=False)
def test_a_term_beginning_by_date_opens_the_card_on_its_first_day(cast):
    officer = appoint(
        cast.village,
        Role.MEMBER,
        duties=[Duty.FLOOD_PATROLLER],
        start=TODAY + timedelta(days=3),
    )
    assert sweep_kits.sweep(TODAY + timedelta(days=2)) == 0
    assert holders(cast.county.path, "four_smalls") == 0
    assert sweep_kits.sweep(TODAY + timedelta(days=3)) == 1
    card = KitCard.objects.get(person=officer)
    assert (card.active, card.recheck_on) == (True, None)
    assert holders(cast.county.path, "four_smalls") == 1
    assert tally.matches()
