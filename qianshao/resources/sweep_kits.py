"""The kits part's daily sweep: cards reconciled with terms that end (or begin) by date alone
(docs/adr/0023 "Sweep"). A ``RoleAssignment`` saved moves its holder's cards at once
(``signals_kits``); a term whose end date passes changes nothing in the grid, so each card
keeps ``recheck_on`` — the next day its terms may change it — and the sweep takes the cards
due, from that partial index.

Idempotent and catching up: reconciling a card twice changes it once, and after downtime
every card due by today is taken. A card closed with pieces still in use tells the managers
of its cell to collect them, once per card and closing day (``workflow.once``, claimed in the
card's transaction).
"""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import Entry, append_all
from qianshao.grid.models import MANAGING_ROLES, RoleAssignment
from qianshao.notify.outbox import Notice, enqueue_all
from qianshao.resources import actions_kits
from qianshao.resources.models import ItemStatus, KitCard, KitItem
from qianshao.workflow import once

BATCH = 500


def sweep(today: date | None = None) -> int:
    """Reconcile every card due by ``today``; returns how many cards changed."""
    today = today or timezone.localdate()
    changed, after = 0, 0
    while True:
        people = list(
            KitCard.objects.filter(recheck_on__lte=today, person_id__gt=after)
            .order_by("person_id")
            .values_list("person_id", flat=True)
            .distinct()[:BATCH]
        )
        if not people:
            return changed
        for person_id in people:
            changed += reconcile(person_id, today)
        after = people[-1]


@transaction.atomic
def reconcile(person_id: int, today: date) -> int:
    """One holder's cards made to agree with their terms on ``today``, audited; a card
    closed with pieces in use, told once to its cell's managers."""
    changed = actions_kits.reconcile_person(person_id, today)
    if not changed:
        return 0
    append_all(
        [
            Entry(
                actor=None,
                action="resources.kits.reconcile",
                obj=card,
                cell_path=card.cell_path,
                before={k: str(v) if v is not None else None for k, v in was.items()},
                after={
                    "cell": card.cell_path,
                    "active": card.active,
                    "recheck_on": card.recheck_on and card.recheck_on.isoformat(),
                },
            )
            for card, was in changed
        ]
    )
    closed = [card for card, was in changed if was.get("active") and not card.active]
    wanted = {(once.subject(card), f"closed@{today.isoformat()}"): card for card in closed}
    taken = once.claim_all(wanted, timezone.now())
    notices = [_notice(wanted[pair]) for pair in sorted(taken)]
    enqueue_all([n for n in notices if n is not None])
    return len(changed)


def _notice(card: KitCard) -> Notice | None:
    """Tell the managers of the card's cell to collect the pieces still in use."""
    in_use = KitItem.objects.filter(card=card, status=ItemStatus.IN_USE).count()
    if not in_use:
        return None
    managers = (
        RoleAssignment.objects.active()
        .filter(cell_id=card.cell_id, role__in=MANAGING_ROLES, department=None)
        .select_related("person")
    )
    people = list({a.person_id: a.person for a in managers}.values())
    if not people:
        return None
    return Notice(
        "resources.kit_card_closed",
        _("%(name)s 已不再担任%(duty)s，请收回其装备")
        % {"name": card.person.name, "duty": card.standard.get_duty_display()},
        body=_("%(standard)s 尚有 %(n)s 件在用。") % {"standard": card.standard.name, "n": in_use},
        link=f"/resources/kits/cards/{card.pk}/",
        people=people,
        dedupe_key=f"resources.kit_card_closed:{card.pk}",
        payload={"card": card.pk, "in_use": in_use},
    )
