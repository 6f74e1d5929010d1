"""The kits part's records (docs/adr/0023 "Kits"): the standard kit a duty carries (九个一 for
the village emergency officer, 四小件 for the flood patroller), one card per holder of the
duty, and the pieces issued to them.

A card is kept by the grid (a ``RoleAssignment`` saved, ``signals_kits``) and by the sweep
(a term ending by date alone, ``sweep_kits``); its ``complete`` and ``missing`` are worked
out from the card's pieces in use by the action that changed them.
"""

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qianshao.grid.models import Cell, Duty, Person
from qianshao.workflow.flow import Flow

__all__ = [
    "KITITEM_FLOW",
    "ItemCondition",
    "ItemStatus",
    "ItemStep",
    "KitCard",
    "KitItem",
    "KitLine",
    "KitStandard",
]

validate_item_code = RegexValidator(r"^\d{7}$", _("物资编码应为 7 位数字（GB/T 38565）"))


class KitStandard(models.Model):
    """A standard kit (配备标准), bound to the grid duty whose holders carry it."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    duty = models.CharField(_("配备职责"), max_length=32, choices=Duty.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("装备配备标准")
        verbose_name_plural = _("装备配备标准")
        ordering = ["id"]  # as seeded: 九个一, then 四小件, then those added

    def __str__(self) -> str:
        return self.name


class KitLine(models.Model):
    """One line of a standard: an item and how many each holder is to have."""

    standard = models.ForeignKey(
        KitStandard, models.CASCADE, related_name="lines", verbose_name=_("配备标准")
    )
    name = models.CharField(_("物品"), max_length=32)
    quantity = models.PositiveSmallIntegerField(
        _("数量"), default=1, validators=[MinValueValidator(1)]
    )
    # the GB/T 38565 fine class, as plain text: the catalogue is the supplies part's
    item_code = models.CharField(
        _("物资编码"), max_length=7, blank=True, validators=[validate_item_code]
    )
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("配备物品")
        verbose_name_plural = _("配备物品")
        ordering = ["standard", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "name"], name="kit_line_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="kit_line_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.name}×{self.quantity}"


class KitCard(models.Model):
    """A duty holder's kit: one per person and standard, at the cell where they hold the duty.
    ``active`` while a term carrying the duty runs; ``recheck_on`` is the next day that may
    change that (a term's end passed, a term's start reached), for the sweep."""

    person = models.ForeignKey(
        Person, models.PROTECT, related_name="kit_cards", verbose_name=_("人员")
    )
    standard = models.ForeignKey(
        KitStandard, models.PROTECT, related_name="cards", verbose_name=_("配备标准")
    )
    cell = models.ForeignKey(Cell, models.PROTECT, related_name="+", verbose_name=_("网格"))
    cell_path = models.CharField(max_length=255, db_index=True)
    complete = models.BooleanField(_("配齐"), default=False)
    missing = models.PositiveIntegerField(_("缺少件数"), default=0)
    active = models.BooleanField(_("在任"), default=True)
    recheck_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("装备卡")
        verbose_name_plural = _("装备卡")
        ordering = ["cell_path", "standard", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "standard"], name="kit_card_once"),
        ]
        indexes = [
            models.Index(
                fields=["recheck_on"],
                name="kit_card_recheck",
                condition=Q(recheck_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.standard}"


class ItemCondition(models.TextChoices):
    NEW = "new", _("全新")
    GOOD = "good", _("完好")
    WORN = "worn", _("旧但可用")


class ItemStatus(models.TextChoices):
    IN_USE = "in_use", _("在用")
    LOST = "lost", _("丢失")
    DAMAGED = "damaged", _("损坏")
    RETURNED = "returned", _("已收回")
    REPLACED = "replaced", _("已更换")


class ItemStep(models.TextChoices):
    ISSUE = "issue", _("发放")
    LOSE = "lose", _("报丢失")
    DAMAGE = "damage", _("报损坏")
    RETURN = "return", _("收回")
    REPLACE = "replace", _("更换")


class KitItem(models.Model):
    """One piece issued to a card's holder for a line of the standard."""

    card = models.ForeignKey(
        KitCard, models.CASCADE, related_name="items", verbose_name=_("装备卡")
    )
    line = models.ForeignKey(KitLine, models.PROTECT, related_name="items", verbose_name=_("物品"))
    issued_on = models.DateField(_("发放日期"))
    condition = models.CharField(_("发放时状况"), max_length=8, choices=ItemCondition.choices)
    status = models.CharField(_("状态"), max_length=10, choices=ItemStatus.choices)
    replaces = models.OneToOneField(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("替换"),
    )
    # the stock issue (supplies' movement) it came from, when issued from a storage point
    stock_movement_id = models.BigIntegerField(null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    SCOPE_FIELD = "card__cell_path"

    class Meta:
        verbose_name = _("装备物品")
        verbose_name_plural = _("装备物品")
        ordering = ["card", "line", "id"]
        indexes = [models.Index(fields=["card", "line", "status"], name="kit_item_card_line")]

    def __str__(self) -> str:
        return f"{self.line.name} · {self.get_status_display()}"

    @property
    def cell_path(self) -> str:
        """The card's path, for the audit record of a step."""
        return self.card.cell_path


# 在用 —丢失|损坏|收回→ 丢失|损坏|已收回, 丢失|损坏 —更换→ 已更换 (the new piece begins 在用).
KITITEM_FLOW = Flow(
    KitItem,
    {
        ItemStatus.IN_USE: {
            ItemStep.LOSE: ItemStatus.LOST,
            ItemStep.DAMAGE: ItemStatus.DAMAGED,
            ItemStep.RETURN: ItemStatus.RETURNED,
        },
        ItemStatus.LOST: {ItemStep.REPLACE: ItemStatus.REPLACED},
        ItemStatus.DAMAGED: {ItemStep.REPLACE: ItemStatus.REPLACED},
        ItemStatus.RETURNED: {},
        ItemStatus.REPLACED: {},
    },
    steps=ItemStep,
    statuses=ItemStatus,
    area="resources.kits",
    fields=["status", "changed_on", "note"],
    begins={ItemStep.ISSUE: ItemStatus.IN_USE, ItemStep.REPLACE: ItemStatus.IN_USE},
)
