"""The supplies part's records (docs/adr/0023 "Supplies", "The ledger").

- The catalogue of GB/T 38565-2020: ``Category`` holds the class prefixes (1 digit, then 3
  and 5), ``Item`` a fine class (7 digits) with its unit of measure.
- ``Point`` (储备点) at a cell; ``Batch`` holds a quantity of an item at a point (the only
  place stock lives); ``Holding`` is the point's total of an item (the row locked by every
  movement of that item there); ``Minimum`` the level below which the point is short.
- ``Movement`` and its ``Line``s are the stock card: append-only, written only by
  ``resources/ledger_supplies.py``.
- ``Transfer`` (调拨, in transit until received), ``Requisition`` (征用补偿), and the reserves
  beside held stock: ``Agreement`` (协议储备) and ``Capacity`` (产能储备).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qianshao.grid.models import Cell, Person
from qianshao.workflow.flow import Flow

__all__ = [
    "Category",
    "Item",
    "PointKind",
    "Point",
    "Source",
    "Band",
    "Batch",
    "Holding",
    "Minimum",
    "MovementKind",
    "WriteOffReason",
    "Movement",
    "Line",
    "AppendOnly",
    "TransferStatus",
    "TransferStep",
    "Transfer",
    "TRANSFER_FLOW",
    "Agreement",
    "Capacity",
    "RequisitionStatus",
    "RequisitionStep",
    "Requisition",
    "REQUISITION_FLOW",
]

QTY = {"max_digits": 14, "decimal_places": 3}


# --- the catalogue ----------------------------------------------------------------------


class Category(models.Model):
    """A class of GB/T 38565-2020 by its prefix: ``2`` (大类), ``201`` (中类), ``20101``
    (小类). Its parent is the prefix one level shorter; ``99`` at each level is 其他."""

    code = models.CharField(_("分类代码"), max_length=5, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级分类"),
    )

    class Meta:
        verbose_name = _("物资分类")
        verbose_name_plural = _("物资分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Item(models.Model):
    """A fine class (细类) of the catalogue: the thing stocked, in one unit of measure."""

    code = models.CharField(_("物资代码"), max_length=7, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    category = models.ForeignKey(
        Category, models.PROTECT, related_name="items", verbose_name=_("小类")
    )
    unit = models.CharField(_("计量单位"), max_length=8)
    expires = models.BooleanField(_("有保质期"), default=True)

    class Meta:
        verbose_name = _("物资品目")
        verbose_name_plural = _("物资品目")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def klass(self) -> str:
        """The top class (1, 2, 3 …): the first digit."""
        return self.code[:1]


# --- points and their stock -------------------------------------------------------------


class PointKind(models.TextChoices):
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡级")
    VILLAGE = "village", _("村级")


class Point(models.Model):
    """A storage point (储备点) kept by a cell."""

    cell = models.ForeignKey(Cell, models.PROTECT, related_name="supply_points")
    cell_path = models.CharField(max_length=255)
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("级别"), max_length=12, choices=PointKind.choices)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    manager = models.ForeignKey(
        Person,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("管理员"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("储备点")
        verbose_name_plural = _("储备点")
        ordering = ["cell_path", "id"]
        indexes = [models.Index(fields=["cell_path", "id"], name="supply_point_path")]

    def __str__(self) -> str:
        return self.name


class Source(models.TextChoices):
    PURCHASE = "purchase", _("采购")
    DONATION = "donation", _("捐赠")
    ALLOCATION = "allocation", _("调拨")
    REQUISITION = "requisition", _("征用")


class Band(models.TextChoices):
    """How near a batch is to its expiry (moved by the sweep, set at receipt)."""

    OK = "ok", _("正常")
    NEAR90 = "near90", _("90天内到期")
    NEAR30 = "near30", _("30天内到期")
    EXPIRED = "expired", _("已过期")


class Batch(models.Model):
    """A quantity of one item at one point, received together: the only place stock is.
    Its quantity moves only through the ledger, and never below zero."""

    point = models.ForeignKey(Point, models.PROTECT, related_name="batches")
    point_path = models.CharField(max_length=255)
    item = models.ForeignKey(Item, models.PROTECT, related_name="batches")
    klass = models.CharField(max_length=1)
    quantity = models.DecimalField(_("结存"), **QTY)
    received = models.DecimalField(_("入库数量"), **QTY)
    received_at = models.DateTimeField(_("入库时间"))
    produced_on = models.DateField(_("生产日期"), null=True, blank=True)
    expires = models.DateField(_("有效期至"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    unit_price = models.DecimalField(
        _("单价（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    lot = models.CharField(_("批号"), max_length=40, blank=True)
    origin = models.CharField(_("供货/捐赠单位"), max_length=100, blank=True)
    band = models.CharField(_("效期"), max_length=8, choices=Band.choices, default=Band.OK)

    SCOPE_FIELD = "point_path"

    class Meta:
        verbose_name = _("批次")
        verbose_name_plural = _("批次")
        ordering = ["point", "item", "expires", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="supply_batch_quantity_not_negative"
            ),
        ]
        indexes = [
            # first-expiring first (FEFO), among batches that still hold something
            models.Index(
                fields=["point", "item", "expires", "id"],
                name="supply_batch_fefo",
                condition=Q(quantity__gt=0),
            ),
            # the expiry sweep's candidates, by the day their expiry crosses a threshold; the
            # band is in no index, so the sweep's move of it is a HOT update on PostgreSQL
            models.Index(
                fields=["expires"], name="supply_batch_expires", condition=Q(quantity__gt=0)
            ),
            models.Index(fields=["point_path", "klass"], name="supply_batch_path_class"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """How a batch is named to people: its lot, or its number."""
        return self.lot or f"#{self.pk}"


class Holding(models.Model):
    """What a point holds of an item (the sum of its batches) and has sent on its way
    (in transit out): the row every movement of that item at that point locks first."""

    point = models.ForeignKey(Point, models.PROTECT, related_name="holdings")
    item = models.ForeignKey(Item, models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("库存"), default=0, **QTY)
    in_transit_out = models.DecimalField(_("在途调出"), default=0, **QTY)

    SCOPE_FIELD = "point__cell_path"

    class Meta:
        verbose_name = _("库存")
        verbose_name_plural = _("库存")
        constraints = [
            models.UniqueConstraint(fields=["point", "item"], name="one_supply_holding"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0, in_transit_out__gte=0),
                name="supply_holding_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point_id}/{self.item_id}: {self.quantity}"


class Minimum(models.Model):
    """The least a point should hold of an item; ``short`` while it holds less (kept by
    the ledger and the action that sets the level)."""

    point = models.ForeignKey(Point, models.PROTECT, related_name="minimums")
    item = models.ForeignKey(Item, models.PROTECT, related_name="+", verbose_name=_("物资"))
    quantity = models.DecimalField(_("最低储备"), **QTY)
    short = models.BooleanField(_("低于最低储备"), default=False)

    SCOPE_FIELD = "point__cell_path"

    class Meta:
        verbose_name = _("最低储备")
        verbose_name_plural = _("最低储备")
        constraints = [
            models.UniqueConstraint(fields=["point", "item"], name="one_supply_minimum"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="supply_minimum_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.point_id}/{self.item_id} ≥ {self.quantity}"


# --- the stock card ---------------------------------------------------------------------


class MovementKind(models.TextChoices):
    RECEIVE = "receive", _("入库")
    ISSUE = "issue", _("出库")
    TRANSFER_OUT = "transfer_out", _("调出")
    TRANSFER_IN = "transfer_in", _("调入")
    RECALL = "recall", _("调拨撤回")
    COUNT = "count", _("盘点")
    WRITE_OFF = "write_off", _("报损")
    REQUISITION = "requisition", _("征用")
    RETURN = "return", _("征用归还")


class WriteOffReason(models.TextChoices):
    EXPIRED = "expired", _("过期")
    DAMAGED = "damaged", _("损坏")
    LOST = "lost", _("丢失")
    OTHER = "other", _("其他")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are append-only")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are append-only")


class AppendOnly(models.Model):
    """A record written once: the stock card is changed by new lines, never by edits."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only")
        kwargs["force_insert"] = True
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} rows are append-only")


class Movement(AppendOnly):
    """One movement of stock at a point (入库, 出库, 调出 …): the head of its stock-card lines."""

    kind = models.CharField(_("类型"), max_length=12, choices=MovementKind.choices)
    point = models.ForeignKey(Point, models.PROTECT, related_name="movements")
    point_path = models.CharField(max_length=255)
    purpose = models.CharField(_("用途"), max_length=100, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"))
    transfer = models.ForeignKey(
        "Transfer", models.PROTECT, null=True, blank=True, related_name="movements"
    )
    requisition = models.ForeignKey(
        "Requisition", models.PROTECT, null=True, blank=True, related_name="movements"
    )

    SCOPE_FIELD = "point_path"

    class Meta:
        verbose_name = _("出入库记录")
        verbose_name_plural = _("出入库记录")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Line(AppendOnly):
    """A line of the stock card: one batch's signed change, with the point's holding of
    the item and the batch's quantity after it."""

    movement = models.ForeignKey(Movement, models.PROTECT, related_name="lines")
    batch = models.ForeignKey(Batch, models.PROTECT, related_name="lines")
    point = models.ForeignKey(Point, models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, models.PROTECT, related_name="+")
    delta = models.DecimalField(_("变动"), **QTY)
    holding_after = models.DecimalField(_("结存"), **QTY)
    batch_after = models.DecimalField(_("批次结存"), **QTY)

    class Meta:
        verbose_name = _("库存卡行")
        verbose_name_plural = _("库存卡行")
        indexes = [models.Index(fields=["point", "item", "id"], name="supply_card")]

    def __str__(self) -> str:
        return f"{self.movement_id}: {self.delta}"


# --- transfers --------------------------------------------------------------------------


class TransferStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", _("在途")
    RECEIVED = "received", _("已接收")
    RECALLED = "recalled", _("已撤回")


class TransferStep(models.TextChoices):
    DISPATCH = "dispatch", _("调拨")
    RECEIVE = "receive", _("接收")
    RECALL = "recall", _("撤回")


class Transfer(models.Model):
    """调拨: stock taken from one point at dispatch, in transit until the other receives it
    (or the sender recalls it). Seen from either end."""

    source = models.ForeignKey(Point, models.PROTECT, related_name="transfers_out")
    destination = models.ForeignKey(Point, models.PROTECT, related_name="transfers_in")
    source_path = models.CharField(max_length=255)
    destination_path = models.CharField(max_length=255)
    status = models.CharField(_("状态"), max_length=12, choices=TransferStatus.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("调出时间"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("接收/撤回时间"), null=True, blank=True)

    SCOPE_FIELD = "source_path"  # the sender's side; access_supplies adds the receiver's
    SCOPE_ALSO = ("destination_path",)  # so that a list walks past both (lib.keyset)

    class Meta:
        verbose_name = _("调拨")
        verbose_name_plural = _("调拨")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["source_path", "id"], name="supply_transfer_from"),
            models.Index(fields=["destination_path", "id"], name="supply_transfer_to"),
        ]

    def __str__(self) -> str:
        return f"DB{self.pk:06d}" if self.pk else "DB"

    @property
    def cell_path(self) -> str:
        """The audit record's cell: the sender's."""
        return self.source_path


TRANSFER_FLOW = Flow(
    Transfer,
    {
        TransferStatus.IN_TRANSIT: {
            TransferStep.RECEIVE: TransferStatus.RECEIVED,
            TransferStep.RECALL: TransferStatus.RECALLED,
        },
        TransferStatus.RECEIVED: {},
        TransferStatus.RECALLED: {},
    },
    steps=TransferStep,
    statuses=TransferStatus,
    area="supplies.transfer",
    fields=["status"],
    begins={TransferStep.DISPATCH: TransferStatus.IN_TRANSIT},
)


# --- reserves beside held stock ---------------------------------------------------------


class Agreement(models.Model):
    """协议储备: a supplier bound by contract to deliver up to a quantity of an item when
    called on, within a period. Beside held stock, never added to it."""

    cell = models.ForeignKey(Cell, models.PROTECT, related_name="+")
    cell_path = models.CharField(max_length=255)
    supplier = models.CharField(_("协议单位"), max_length=100)
    contact = models.CharField(_("联系电话"), max_length=20, blank=True)
    item = models.ForeignKey(Item, models.PROTECT, related_name="+", verbose_name=_("物资"))
    quantity = models.DecimalField(_("可调用数量"), **QTY)
    starts = models.DateField(_("协议开始"))
    ends = models.DateField(_("协议截止"))

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("协议储备")
        verbose_name_plural = _("协议储备")
        ordering = ["cell_path", "id"]
        indexes = [
            models.Index(fields=["cell_path", "id"], name="supply_agreement_path"),
            models.Index(fields=["ends"], name="supply_agreement_ends"),  # the sweep's
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="supply_agreement_qty"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} {self.item_id}"


class Capacity(models.Model):
    """产能储备: an enterprise able to produce so much of an item a day when called on."""

    cell = models.ForeignKey(Cell, models.PROTECT, related_name="+")
    cell_path = models.CharField(max_length=255)
    enterprise = models.CharField(_("生产企业"), max_length=100)
    contact = models.CharField(_("联系电话"), max_length=20, blank=True)
    item = models.ForeignKey(Item, models.PROTECT, related_name="+", verbose_name=_("物资"))
    per_day = models.DecimalField(_("日产能"), **QTY)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("产能储备")
        verbose_name_plural = _("产能储备")
        ordering = ["cell_path", "id"]
        indexes = [models.Index(fields=["cell_path", "id"], name="supply_capacity_path")]
        constraints = [
            models.CheckConstraint(condition=Q(per_day__gt=0), name="supply_capacity_qty"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.item_id}"


# --- requisition with compensation ------------------------------------------------------


class RequisitionStatus(models.TextChoices):
    TAKEN = "taken", _("已征用")
    RETURNED = "returned", _("已归还")
    COMPENSATED = "compensated", _("已补偿")


class RequisitionStep(models.TextChoices):
    REQUISITION = "requisition", _("征用")
    RETURN = "return", _("归还")
    COMPENSATE = "compensate", _("补偿")


class Requisition(models.Model):
    """征用补偿: goods taken from an owner into a point in an emergency (batches of source
    征用), what is left given back (归还), and the owner compensated (补偿)."""

    point = models.ForeignKey(Point, models.PROTECT, related_name="requisitions")
    point_path = models.CharField(max_length=255)
    owner = models.CharField(_("被征用单位或个人"), max_length=100)
    owner_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    value = models.DecimalField(_("估价（元）"), max_digits=14, decimal_places=2)
    compensation = models.DecimalField(
        _("补偿金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(_("状态"), max_length=12, choices=RequisitionStatus.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    taken_at = models.DateTimeField(_("征用时间"))

    SCOPE_FIELD = "point_path"

    class Meta:
        verbose_name = _("征用")
        verbose_name_plural = _("征用")
        ordering = ["-id"]
        indexes = [models.Index(fields=["point_path", "id"], name="supply_requisition_path")]

    def __str__(self) -> str:
        return f"ZY{self.pk:06d}" if self.pk else "ZY"

    @property
    def cell_path(self) -> str:
        return self.point_path


REQUISITION_FLOW = Flow(
    Requisition,
    {
        RequisitionStatus.TAKEN: {
            RequisitionStep.RETURN: RequisitionStatus.RETURNED,
            RequisitionStep.COMPENSATE: RequisitionStatus.COMPENSATED,
        },
        RequisitionStatus.RETURNED: {RequisitionStep.COMPENSATE: RequisitionStatus.COMPENSATED},
        RequisitionStatus.COMPENSATED: {},
    },
    steps=RequisitionStep,
    statuses=RequisitionStatus,
    area="supplies.requisition",
    fields=["status", "compensation"],
    begins={RequisitionStep.REQUISITION: RequisitionStatus.TAKEN},
)
