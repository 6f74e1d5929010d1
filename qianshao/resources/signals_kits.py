"""Receivers of the kits part: cards follow the grid's terms, standards and their lines, and
moved cells (docs/adr/0023 "Kits").

- A ``RoleAssignment`` saved or deleted (a duty given or taken, a term ended or begun):
  the person's cards are reconciled in the same transaction. What changes by date alone
  (a term's end passing) is the sweep's (``sweep_kits``).
- A ``KitStandard`` added in the admin: cards for the holders of its duty.
- A ``KitLine`` added, changed or removed: every card of its standard worked out again.
- A cell moved: the cards' paths and the kit tallies move with it.
"""

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from qianshao.grid import tree
from qianshao.grid.models import RoleAssignment
from qianshao.grid.signals import cell_moved
from qianshao.resources import actions_kits
from qianshao.resources.models import KitCard, KitLine, KitStandard


@receiver(post_save, sender=RoleAssignment)
@receiver(post_delete, sender=RoleAssignment)
def follow_terms(sender, instance: RoleAssignment, raw: bool = False, **kwargs):
    if raw:
        return
    with transaction.atomic():
        actions_kits.reconcile_person(instance.person_id)


@receiver(post_save, sender=KitStandard)
def open_cards_of_new_standard(sender, instance: KitStandard, created: bool, raw=False, **kw):
    if created and not raw:
        with transaction.atomic():
            actions_kits.open_cards(instance)


@receiver(post_save, sender=KitLine)
@receiver(post_delete, sender=KitLine)
def recompute_cards(sender, instance: KitLine, raw: bool = False, **kwargs):
    if raw:
        return
    standard = KitStandard.objects.filter(pk=instance.standard_id).first()
    if standard is not None:  # not when the standard itself is being deleted
        with transaction.atomic():
            actions_kits.recompute_standard(standard)


@receiver(cell_moved)
def follow_moved_cell(sender, old_path: str, new_path: str, **kwargs):
    """The cards' paths under the moved cell follow it (its tallies: ``tally.move``)."""
    KitCard.objects.filter(tree.subtree_q(old_path, "cell_path")).update(
        cell_path=Concat(Value(new_path), Substr("cell_path", len(old_path) + 1))
    )
