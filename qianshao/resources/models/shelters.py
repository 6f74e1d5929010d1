"""The shelters part's records (docs/adr/0023, "Shelters"): emergency shelters (应急避难场所)
with their capacity from the per-person area, the evacuation routes to them and the transfer
lists (转移避险清单) of the households at risk in a cell."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from qianshao.grid.models import Cell, Person
from qianshao.workflow.flow import Flow

__all__ = [
    "DEFAULT_PER_PERSON_M2",
    "SHELTER_FLOW",
    "ShelterCategory",
    "Household",
    "Route",
    "Shelter",
    "ShelterRule",
    "ShelterStatus",
    "ShelterStep",
]

DEFAULT_PER_PERSON_M2 = Decimal("0.5")  # m² a person (seed 000 §14)


class ShelterRule(models.Model):
    """The effective area a sheltered person needs (one row; admin: 避难场所规则). A change
    recomputes every shelter's capacity and rebuilds the tallies (``actions_shelters``)."""

    per_person_m2 = models.DecimalField(
        _("人均有效面积（平方米）"),
        max_digits=6,
        decimal_places=2,
        default=DEFAULT_PER_PERSON_M2,
        validators=[MinValueValidator(Decimal("0.1"))],
    )

    class Meta:
        verbose_name = _("避难场所规则")
        verbose_name_plural = _("避难场所规则")

    def __str__(self) -> str:
        return f"{self.per_person_m2} m²"


class ShelterCategory(models.TextChoices):
    """GB 21734: by how long people may stay."""

    I = "I", _("Ⅰ类（长期，30天以上）")  # noqa: E741
    II = "II", _("Ⅱ类（中期，10–30天）")
    III = "III", _("Ⅲ类（短期，10天以内）")


class ShelterStatus(models.TextChoices):
    CLOSED = "closed", _("关闭")
    OPEN = "open", _("开放")
    IN_USE = "in_use", _("使用中")


class ShelterStep(models.TextChoices):
    CREATE = "create", _("登记")
    OPEN = "open", _("开放")
    ACTIVATE = "activate", _("启用")
    DEACTIVATE = "deactivate", _("停用")
    CLOSE = "close", _("关闭")


class Shelter(models.Model):
    """One shelter in a cell: where it is, how large, how many it holds (the effective
    area ÷ the rule's per-person area, rounded down, kept on the row so that tallies and
    lists read it), what it has, who runs it, and whether it is open or in use."""

    cell = models.ForeignKey(Cell, models.PROTECT, related_name="shelters", db_index=False)
    cell_path = models.CharField(max_length=255, db_index=True)
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    outline = models.JSONField(_("范围（GeoJSON 面）"), null=True, blank=True)
    category = models.CharField(_("类别"), max_length=4, choices=ShelterCategory.choices)
    area_m2 = models.DecimalField(_("有效面积（平方米）"), max_digits=12, decimal_places=2)
    capacity = models.PositiveIntegerField(_("容纳人数"), default=0)
    water = models.BooleanField(_("供水"), default=False)
    power = models.BooleanField(_("供电"), default=False)
    toilets = models.BooleanField(_("厕所"), default=False)
    medical = models.BooleanField(_("医疗点"), default=False)
    signage = models.BooleanField(_("标识标牌"), default=False)
    manager = models.ForeignKey(
        Person,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("管理人（网格人员）"),
    )
    manager_name = models.CharField(_("管理人"), max_length=32, blank=True)
    manager_phone = models.CharField(_("值守电话"), max_length=20, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=ShelterStatus.choices)
    occupancy = models.PositiveIntegerField(_("在场人数"), default=0)
    status_at = models.DateTimeField(_("状态时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)

    SCOPE_FIELD = "cell_path"
    FACILITIES = ("water", "power", "toilets", "medical", "signage")

    class Meta:
        verbose_name = _("应急避难场所")
        verbose_name_plural = _("应急避难场所")
        ordering = ["cell_path", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def facilities(self) -> list[str]:
        """The labels of what the shelter has."""
        return [
            str(self._meta.get_field(f).verbose_name) for f in self.FACILITIES if getattr(self, f)
        ]

    def contact(self) -> tuple[str, str]:
        """The manager's name and duty phone: typed in, else the grid person's."""
        name = self.manager_name or (self.manager.name if self.manager_id else "")
        phone = self.manager_phone or (self.manager.phone if self.manager_id else "")
        return name, phone

    def public_contact(self) -> tuple[str, str]:
        """The contact the public page shows: the shelter's own duty phone only, never the
        manager's personal mobile (``contact`` falls back to it for those signed in)."""
        name = self.manager_name or (self.manager.name if self.manager_id else "")
        return name, self.manager_phone


SHELTER_FLOW = Flow(
    Shelter,
    {
        ShelterStatus.CLOSED: {ShelterStep.OPEN: ShelterStatus.OPEN},
        ShelterStatus.OPEN: {
            ShelterStep.ACTIVATE: ShelterStatus.IN_USE,
            ShelterStep.CLOSE: ShelterStatus.CLOSED,
        },
        ShelterStatus.IN_USE: {ShelterStep.DEACTIVATE: ShelterStatus.OPEN},
    },
    steps=ShelterStep,
    statuses=ShelterStatus,
    area="resources.shelter",
    fields=["status", "occupancy"],
    begins={ShelterStep.CREATE: ShelterStatus.OPEN},
)


class Route(models.Model):
    """An evacuation route (转移路线) from a place in a cell — a group of houses, a risk
    area — to a shelter: the line as GeoJSON and its length."""

    cell = models.ForeignKey(Cell, models.PROTECT, related_name="routes", db_index=False)
    cell_path = models.CharField(max_length=255, db_index=True)
    origin = models.CharField(_("起点"), max_length=100)
    shelter = models.ForeignKey(
        Shelter, models.PROTECT, related_name="routes", verbose_name=_("避难场所")
    )
    line = models.JSONField(_("路线（GeoJSON 线）"))
    length_m = models.PositiveIntegerField(_("长度（米）"), default=0)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("转移路线")
        verbose_name_plural = _("转移路线")
        ordering = ["cell_path", "id"]

    def __str__(self) -> str:
        return f"{self.origin} → {self.shelter_id}"


class Household(models.Model):
    """One household of a transfer list (转移避险清单): who heads it, how many they are and
    who among them needs help, the cadre responsible for moving them (包户干部), and where
    they go by which route."""

    cell = models.ForeignKey(Cell, models.PROTECT, related_name="households", db_index=False)
    cell_path = models.CharField(max_length=255)
    head = models.CharField(_("户主"), max_length=32)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    members = models.PositiveSmallIntegerField(_("人数"))
    vulnerable = models.CharField(_("特殊人群"), max_length=200, blank=True)
    vulnerable_n = models.PositiveSmallIntegerField(_("特殊人群人数"), default=0)
    cadre = models.ForeignKey(
        Person,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("包户干部（网格人员）"),
    )
    cadre_name = models.CharField(_("包户干部"), max_length=32, blank=True)
    cadre_phone = models.CharField(_("包户干部电话"), max_length=20, blank=True)
    shelter = models.ForeignKey(
        Shelter,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("避难场所"),
    )
    route = models.ForeignKey(
        Route,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("转移路线"),
    )

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("转移避险户")
        verbose_name_plural = _("转移避险清单")
        ordering = ["cell_path", "id"]
        indexes = [models.Index(fields=["cell_path", "id"], name="household_by_path")]

    def __str__(self) -> str:
        return self.head

    def cadre_contact(self) -> tuple[str, str]:
        name = self.cadre_name or (self.cadre.name if self.cadre_id else "")
        phone = self.cadre_phone or (self.cadre.phone if self.cadre_id else "")
        return name, phone
