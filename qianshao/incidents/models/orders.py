"""What an incident's response moves — orders to teams, supplies sent, people evacuated —
and the findings of its review.

Orders to teams (调派, docs/adr/0025 "Dispatch"): an incident's dispatcher orders a team
of the resources area; its leader answers each stage like 叫应 — 已接收, 已出发, 已到达,
处置中, 已完成 — and the dispatcher releases it (收队) or recalls an order not yet carried
out. While an order is in force the team is 出动 (the resources' ``TEAM_FLOW``), so it
cannot be ordered again."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qianshao.incidents.models.incidents import Incident
from qianshao.workflow.flow import Flow

__all__ = [
    "FINDING_FLOW",
    "IN_FORCE",
    "LEADER_ORDERING",
    "ORDER_FLOW",
    "Evacuation",
    "Evacuee",
    "Finding",
    "FindingStatus",
    "FindingStep",
    "Order",
    "OrderStatus",
    "OrderStep",
    "Supply",
]


class OrderStatus(models.TextChoices):
    ORDERED = "ordered", _("已下达")
    RECEIVED = "received", _("已接收")
    DEPARTED = "departed", _("已出发")
    ARRIVED = "arrived", _("已到达")
    WORKING = "working", _("处置中")
    DONE = "done", _("已完成")
    RELEASED = "released", _("已收队")
    RECALLED = "recalled", _("已撤回")


class OrderStep(models.TextChoices):
    ORDER = "order", _("下达")
    RECEIVE = "receive", _("接收")
    DEPART = "depart", _("出发")
    ARRIVE = "arrive", _("到达")
    WORK = "work", _("开始处置")
    COMPLETE = "complete", _("完成")
    RELEASE = "release", _("收队")
    RECALL = "recall", _("撤回")


# the leader's answers, in their order: an answer may skip the ones before it (a team
# that set out at once answers 已出发 first)
ANSWERS = (
    (OrderStep.RECEIVE, OrderStatus.RECEIVED),
    (OrderStep.DEPART, OrderStatus.DEPARTED),
    (OrderStep.ARRIVE, OrderStatus.ARRIVED),
    (OrderStep.WORK, OrderStatus.WORKING),
    (OrderStep.COMPLETE, OrderStatus.DONE),
)
IN_FORCE = (
    OrderStatus.ORDERED,
    OrderStatus.RECEIVED,
    OrderStatus.DEPARTED,
    OrderStatus.ARRIVED,
    OrderStatus.WORKING,
    OrderStatus.DONE,
)


# A leader's list (我的调派): the orders in force first, then the newest. A team is out on one
# order at a time, so its order in force is its newest; the index ``order_mine`` holds a
# team's orders in this order, and one team's list is read along it, unsorted.
CLOSED = models.ExpressionWrapper(
    models.Q(closed_at__isnull=False), output_field=models.BooleanField()
)
LEADER_ORDERING = (CLOSED.asc(), models.F("ordered_at").desc(), models.F("id").desc())


def _table() -> dict:
    order = [status for _step, status in ANSWERS]
    table: dict = {}
    for at, status in enumerate([OrderStatus.ORDERED, *order]):
        moves = {step: target for step, target in ANSWERS if order.index(target) >= at}
        moves[OrderStep.RELEASE] = OrderStatus.RELEASED
        if status in (OrderStatus.ORDERED, OrderStatus.RECEIVED, OrderStatus.DEPARTED):
            moves[OrderStep.RECALL] = OrderStatus.RECALLED
        table[status] = moves
    table[OrderStatus.RELEASED] = {}
    table[OrderStatus.RECALLED] = {}
    return table


class Order(models.Model):
    """One order of a team to an incident: its task, who gave it and when, where it
    stands (the leader's last answer) and when each answer came."""

    incident = models.ForeignKey(Incident, models.PROTECT, related_name="orders")
    team = models.ForeignKey(
        "resources.Team", models.PROTECT, related_name="+", verbose_name=_("队伍")
    )
    team_name = models.CharField(_("队伍名称"), max_length=64)
    team_size = models.PositiveIntegerField(_("出动人数"))
    cell_path = models.CharField(max_length=255)  # the incident's
    task = models.CharField(_("任务"), max_length=500)
    status = models.CharField(_("状态"), max_length=12, choices=OrderStatus.choices)
    ordered_at = models.DateTimeField(_("下达时间"))
    answered_at = models.DateTimeField(_("最近应答时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    departed_at = models.DateTimeField(_("出发时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到达时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("收队/撤回时间"), null=True, blank=True)
    # when the sweep next has something to do: the chase of a silent order, its escalation
    watch_at = models.DateTimeField(null=True, blank=True)
    distance_km = models.FloatField(_("距离（公里）"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("调派指令")
        verbose_name_plural = _("调派指令")
        ordering = ["incident", "-ordered_at", "-id"]
        indexes = [
            models.Index(fields=["incident", "status"], name="order_incident"),
            models.Index(fields=["team", "status"], name="order_team"),
            models.Index(
                models.F("team"),
                CLOSED,
                models.F("ordered_at").desc(),
                models.F("id").desc(),
                name="order_mine",
            ),
            models.Index(
                fields=["watch_at"],
                name="order_watch",
                condition=models.Q(watch_at__isnull=False),
            ),
        ]
        constraints = [
            # a team is out on one order at a time (the database decides a race)
            models.UniqueConstraint(
                fields=["team"],
                name="one_order_in_force",
                condition=models.Q(status__in=IN_FORCE),
            )
        ]

    def __str__(self) -> str:
        return f"{self.team_name}: {self.task[:40]}"


ORDER_FLOW = Flow(
    Order,
    _table(),
    steps=OrderStep,
    statuses=OrderStatus,
    area="incidents.order",
    fields=["status"],
    begins={OrderStep.ORDER: OrderStatus.ORDERED},
)


class Supply(models.Model):
    """Supplies sent to an incident: one issue (出库) from a storage point through the
    resources' ledger (``movement``), its lines as they were issued."""

    incident = models.ForeignKey(Incident, models.PROTECT, related_name="supplies")
    cell_path = models.CharField(max_length=255)  # the incident's
    point = models.ForeignKey(
        "resources.Point", models.PROTECT, related_name="+", verbose_name=_("储备点")
    )
    point_name = models.CharField(_("储备点"), max_length=64)
    movement = models.ForeignKey("resources.Movement", models.PROTECT, related_name="+")
    lines = models.JSONField(_("物资"), default=list)  # [[name, quantity, unit], …]
    note = models.CharField(_("说明"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("调拨物资")
        verbose_name_plural = _("调拨物资")
        ordering = ["incident", "-at", "-id"]
        indexes = [models.Index(fields=["incident", "-at"], name="supply_incident")]

    def __str__(self) -> str:
        return f"{self.point_name} → {self.incident_id}"


class Evacuation(models.Model):
    """People moved out of a cell for an incident (转移): how many, to which shelter (none:
    to relatives and friends, 投亲靠友), the households of the transfer list ticked."""

    incident = models.ForeignKey(Incident, models.PROTECT, related_name="evacuations")
    cell = models.ForeignKey(
        "grid.Cell", models.PROTECT, related_name="+", verbose_name=_("转出网格")
    )
    cell_path = models.CharField(max_length=255)
    shelter = models.ForeignKey(
        "resources.Shelter",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("安置场所"),
    )
    shelter_name = models.CharField(_("安置场所"), max_length=100, blank=True)
    people = models.PositiveIntegerField(_("转移人数"))
    households_n = models.PositiveIntegerField(_("清单户数"), default=0)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("人员转移")
        verbose_name_plural = _("人员转移")
        ordering = ["incident", "-at", "-id"]
        indexes = [models.Index(fields=["incident", "-at"], name="evacuation_incident")]

    def __str__(self) -> str:
        return f"{self.cell_path}: {self.people}"


class Evacuee(models.Model):
    """A household of the transfer list ticked as moved for an incident (once)."""

    incident = models.ForeignKey(Incident, models.PROTECT, related_name="+")
    evacuation = models.ForeignKey(Evacuation, models.PROTECT, related_name="evacuees")
    household = models.ForeignKey("resources.Household", models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("已转移住户")
        verbose_name_plural = _("已转移住户")
        constraints = [
            models.UniqueConstraint(fields=["incident", "household"], name="one_move_a_household")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.household_id}"


class FindingStatus(models.TextChoices):
    OPEN = "open", _("整改中")
    DONE = "done", _("已完成")


class FindingStep(models.TextChoices):
    ADD = "add", _("登记")
    COMPLETE = "complete", _("完成")
    REOPEN = "reopen", _("重新打开")


class Finding(models.Model):
    """A finding of an incident's after-action review (总结评估), tracked until done: what,
    who is responsible, by when; the hazard reported from it where one applies (回头看)."""

    incident = models.ForeignKey(Incident, models.PROTECT, related_name="findings")
    cell_path = models.CharField(max_length=255)
    text = models.CharField(_("问题与整改要求"), max_length=500)
    owner = models.CharField(_("责任单位/人"), max_length=100)
    due_on = models.DateField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=8, choices=FindingStatus.choices)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    note = models.CharField(_("完成情况"), max_length=500, blank=True)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记的隐患"),
    )
    at = models.DateTimeField(_("登记时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("总结评估问题")
        verbose_name_plural = _("总结评估问题")
        ordering = ["incident", "id"]
        indexes = [models.Index(fields=["cell_path", "status", "due_on"], name="finding_path")]

    def __str__(self) -> str:
        return self.text[:40]


FINDING_FLOW = Flow(
    Finding,
    {
        FindingStatus.OPEN: {FindingStep.COMPLETE: FindingStatus.DONE},
        FindingStatus.DONE: {FindingStep.REOPEN: FindingStatus.OPEN},
    },
    steps=FindingStep,
    statuses=FindingStatus,
    area="incidents.finding",
    fields=["status", "note"],
    begins={FindingStep.ADD: FindingStatus.OPEN},
)
