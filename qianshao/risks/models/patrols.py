"""Patrols (巡查) of risk points (docs/adr/0024 "Patrols").

Every risk point in force has a due time (``RiskPoint.next_due_at``) set by its grade's
frequency. A patrol is one due time's outcome: checked in on time, late, or missed (the
sweep writes a missed one when the next due time has come with no check-in), so the work
ledger holds the patrols that found nothing, and the missed ones, as rows.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from qianshao.grid.models import Person
from qianshao.risks.models.points import Grade, RiskPoint

HOURS_A_YEAR = 24 * 366
# a month and day of the year, as the flood season's bounds are compared: "04-01"
MONTH_DAY = RegexValidator(
    r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", _("须写作 月-日，如 04-01")
)

__all__ = [
    "PatrolFrequency",
    "PatrolRule",
    "Result",
    "Outcome",
    "Patrol",
    "PatrolPhoto",
]


class PatrolFrequency(models.Model):
    """How often a grade's points are patrolled (defaults: 红 daily, 橙 twice a week,
    黄 weekly, 蓝 monthly)."""

    grade = models.CharField(_("风险等级"), max_length=8, choices=Grade.choices, unique=True)
    every_hours = models.PositiveIntegerField(
        _("巡查周期（小时）"), validators=[MinValueValidator(1), MaxValueValidator(HOURS_A_YEAR)]
    )

    class Meta:
        verbose_name = _("巡查频次")
        verbose_name_plural = _("巡查频次")
        ordering = ["every_hours"]

    def __str__(self) -> str:
        return f"{self.get_grade_display()}: {self.every_hours}h"


class PatrolRule(models.Model):
    """The patrols' rules (one row, edited in the admin): how near a check-in must be,
    the grace after a due time before the patroller is chased and after that before the
    cell's dispatcher is, and the flood season with its factor (the kinds marked for it are
    patrolled ``flood_factor`` times as often)."""

    radius_m = models.PositiveIntegerField(
        _("打卡距离（米）"),
        default=200,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
    )
    grace_hours = models.PositiveIntegerField(
        _("宽限时间（小时）"), default=4, validators=[MaxValueValidator(HOURS_A_YEAR)]
    )
    escalate_hours = models.PositiveIntegerField(
        _("上报调度员（小时）"), default=24, validators=[MaxValueValidator(HOURS_A_YEAR)]
    )
    flood_from = models.CharField(
        _("汛期开始（月-日）"), max_length=5, default="04-01", validators=[MONTH_DAY]
    )
    flood_to = models.CharField(
        _("汛期结束（月-日）"), max_length=5, default="09-30", validators=[MONTH_DAY]
    )
    flood_factor = models.PositiveSmallIntegerField(
        _("汛期加密倍数"), default=2, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )

    class Meta:
        verbose_name = _("巡查规则")
        verbose_name_plural = _("巡查规则")

    def __str__(self) -> str:
        return str(_("巡查规则"))


class Result(models.TextChoices):
    OK = "ok", _("正常")
    HAZARD = "hazard", _("发现隐患")
    UNREACHABLE = "unreachable", _("无法到达")


class Outcome(models.TextChoices):
    ON_TIME = "on_time", _("按时")
    LATE = "late", _("超时")
    MISSED = "missed", _("漏巡")


class Patrol(models.Model):
    """One due time of a point, and how it was answered: a check-in (``at``, the result,
    where the phone was) or, written by the sweep, missed. ``distance_m`` is how far the
    phone was from the point or polygon; ``far`` marks a check-in beyond the rule's radius
    (recorded, not refused). ``hazard`` is the hazard reported from a 发现隐患 check-in."""

    point = models.ForeignKey(RiskPoint, models.PROTECT, related_name="patrols")
    cell_path = models.CharField(max_length=255)
    patroller = models.ForeignKey(
        Person, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("巡查人")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(_("应巡时间"))
    at = models.DateTimeField(_("巡查时间"), null=True, blank=True)
    outcome = models.CharField(_("完成情况"), max_length=8, choices=Outcome.choices)
    result = models.CharField(_("巡查结果"), max_length=12, choices=Result.choices, blank=True)
    note = models.TextField(_("说明"), blank=True, max_length=2000)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    distance_m = models.FloatField(_("距离（米）"), null=True, blank=True)
    far = models.BooleanField(_("不在现场"), default=False)
    via_qr = models.BooleanField(_("扫码打卡"), default=False)
    hazard = models.ForeignKey(
        "hazards.Hazard",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发现的隐患"),
        db_index=False,  # a partial index (Meta)
    )

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("巡查记录")
        verbose_name_plural = _("巡查记录")
        ordering = ["-due_at", "-id"]
        indexes = [
            models.Index(fields=["point", "-due_at"], name="patrol_point"),
            models.Index(fields=["cell_path", "due_at"], name="patrol_path_due"),
            models.Index(fields=["patroller", "due_at"], name="patrol_patroller"),
            # the lists' ordering, walked by keyset (lib.keyset); the scope read from the index
            models.Index(fields=["due_at", "id", "cell_path"], name="patrol_listed"),
            # most check-ins find no hazard: indexed where one did, so that SQLite's
            # statistics do not count a million NULLs as one value (docs/adr/0039)
            models.Index(
                fields=["hazard"],
                condition=models.Q(hazard__isnull=False),
                name="patrol_hazard",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["point", "due_at"], name="one_patrol_per_due"),
        ]

    def __str__(self) -> str:
        return f"{self.point_id}@{self.due_at:%Y-%m-%d %H:%M}"


def patrol_photo_path(instance, filename: str) -> str:
    """Where photos were stored before ``lib.photos.stored`` named them (the migrations name
    this function): new ones lie in ``patrols/<YYYY>/<MM>/<token>.jpg``, written before the
    check-in's transaction, when its patrol has no id yet."""
    return f"patrols/{instance.patrol_id}/{filename}"


class PatrolPhoto(models.Model):
    """A photo of a patrol, re-encoded on upload like every photo (``lib.photos``)."""

    patrol = models.ForeignKey(Patrol, models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to=patrol_photo_path)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("巡查照片")
        verbose_name_plural = _("巡查照片")

    def __str__(self) -> str:
        return self.image.name
