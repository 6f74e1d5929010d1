"""举报: reports from the public, anonymous or by name, followed by a tracking code; staff
triage them into hazards; a real-name report of a major hazard that proves true earns a
reward record (举报奖励).

The public has no login: a report is placed by the township chosen on the page or by the
phone's location, limited per client address, its text cleaned of markup and its photos
re-encoded (which drops EXIF, GPS included). Whoever holds the tracking code may follow it.
"""

import re
import secrets
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qianshao.audit.chain import append as audit
from qianshao.grid import routing
from qianshao.grid.models import Cell
from qianshao.grid.scope import scope_of
from qianshao.hazards import locate, photos
from qianshao.hazards.actions import accept, report
from qianshao.hazards.models import (
    PUBLIC_FLOW,
    REWARD_FLOW,
    Grade,
    Hazard,
    PublicReport,
    PublicStep,
    Reward,
    RewardStatus,
    RewardStep,
    Source,
    Stage,
    Status,
)
from qianshao.hazards.permissions import triages
from qianshao.lib import ratelimit
from qianshao.lib.errors import ActionError, NotAllowed
from qianshao.lib.text import clean_text
from qianshao.notify.outbox import enqueue

PER_ADDRESS_PER_HOUR = 5
PER_ADDRESS_PER_DAY = 20
TRACK_MISSES_PER_HOUR = 30
CODE_LENGTH = 10
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_RE = re.compile(rf"^[{_CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
MAX_REWARD = Decimal("99999999.99")


class TooMany(ActionError):
    status = 429


def check_limit(client_address: str) -> None:
    """Refuse a client address that sent too many reports lately (TooMany, 429)."""
    now = timezone.now()
    recent = PublicReport.objects.filter(client_address=client_address[:64])
    if recent.filter(created_at__gte=now - timedelta(hours=1)).count() >= PER_ADDRESS_PER_HOUR:
        raise TooMany(_("提交过于频繁，请一小时后再试"))
    if recent.filter(created_at__gte=now - timedelta(days=1)).count() >= PER_ADDRESS_PER_DAY:
        raise TooMany(_("今天的提交次数已达上限，请明天再试"))


def submit_report(
    *,
    text: str,
    cell: Cell | None = None,
    lon: float | None = None,
    lat: float | None = None,
    anonymous: bool = True,
    name: str = "",
    phone: str = "",
    address: str = "",
    photo_files=(),
    client_address: str = "",
) -> PublicReport:
    """A public report of a hazard in ``cell`` (a township, or below it) or at the point.

    Rate-limited per address; text cleaned of markup, photos re-encoded; an anonymous report
    keeps no name or phone whatever was sent. Side effects: the report, its photos, one
    audit record; the township is told.
    """
    check_limit(client_address)
    text = clean_text(text, "text", limit=2000)
    address = clean_text(address, "address", limit=200, required=False)
    if anonymous:
        name = phone = ""
    else:
        name = clean_text(name, "name", limit=32)
        phone = re.sub(r"[\s-]", "", phone or "")
        if not MOBILE.match(phone):
            raise ActionError(_("实名举报请填写 11 位手机号码"), "phone")
    cell = place(cell, lon, lat)
    cleaned = photos.clean_all(photo_files)
    with photos.stored(cleaned), transaction.atomic():
        public = PublicReport(
            tracking_code=_code(),
            anonymous=anonymous,
            name=name,
            phone=phone,
            text=text,
            address=address,
            lon=lon,
            lat=lat,
            cell=cell,
            cell_path=cell.path,
            client_address=client_address[:64],
        )
        PUBLIC_FLOW.begin(public, PublicStep.SUBMIT).save(force_insert=True)
        photos.attach(cleaned, Stage.PUBLIC, None, public_report=public)
        audit(
            actor=None,
            action="hazards.public_report",
            obj=public,
            cell_path=cell.path,
            after={"anonymous": anonymous, "photos": len(cleaned), "located": lon is not None},
        )
        enqueue(
            "hazards.public_report",
            subject=_("收到群众举报：%(c)s") % {"c": public.tracking_code},
            body=text[:200],
            link=f"/hazards/public/{public.tracking_code}/",
            people=routing.triage_people(cell),
        )
        return public


def place(cell: Cell | None, lon: float | None, lat: float | None) -> Cell:
    """Where a public report lies: the deepest cell holding the point, within the township
    chosen if one was; or the township chosen. It must lie in a township or park."""
    if (lon is None) != (lat is None):
        raise ActionError(_("经度和纬度须同时给出"), "lat" if lat is None else "lon")
    if lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ActionError(_("坐标超出范围"), "lon")
    if cell is not None and routing.township_of(cell) is None:
        raise ActionError(_("请选择乡镇（街道）或园区"), "cell")
    if lon is None:
        if cell is None:
            raise ActionError(_("请选择所在乡镇，或使用手机定位"), "cell")
        return cell
    if cell is not None and not cell.boundary:
        return cell  # nothing to place the point in: the choice stands
    roots = [cell] if cell is not None else list(Cell.objects.filter(parent=None))
    found = locate.locate(lon, lat, roots)
    if found is None and cell is not None:
        raise ActionError(_("您的定位不在所选乡镇内，请改选乡镇或取消定位"), "lon")
    if found is None or routing.township_of(found) is None:
        raise ActionError(_("您的定位不在本平台覆盖的乡镇内，请选择所在乡镇"), "lon")
    return found


def _code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """A tracking code as typed (any case, spaces or dashes) in its stored form."""
    return re.sub(r"[\s-]", "", text or "").upper()


def track(code: str, client_address: str) -> PublicReport | None:
    """The report for ``code``, or None; an address that guessed wrong too often this hour
    is refused (TooMany, 429), so tracking codes cannot be enumerated.

    Wrong guesses are counted per address and hour (``lib.ratelimit``).
    """
    if ratelimit.spent("track-misses", client_address, TRACK_MISSES_PER_HOUR):
        raise TooMany(_("查询码错误次数过多，请一小时后再试"))
    public = find_report(code)
    if public is None:
        ratelimit.count("track-misses", client_address)
    return public


def find_report(code: str) -> PublicReport | None:
    """The report a tracking code names, for the public; None when the code is wrong."""
    code = normalise_code(code)
    if not CODE_RE.match(code):
        return None
    return (
        PublicReport.objects.select_related("hazard", "hazard__merged_into", "reward")
        .filter(tracking_code=code)
        .first()
    )


# What the public reads about the hazard its report became: plain words, no internals.
PROGRESS = {
    Status.SUBMITTED: gettext_lazy("已登记，等待受理"),
    Status.RETURNED: gettext_lazy("正在核实"),
    Status.ACCEPTED: gettext_lazy("已受理，正在安排整改"),
    Status.ESCALATED: gettext_lazy("已移交县级主管部门处理"),
    Status.ASSIGNED: gettext_lazy("已交责任单位整改"),
    Status.RECTIFYING: gettext_lazy("正在整改"),
    Status.VERIFYING: gettext_lazy("整改完成，正在核查"),
    Status.VERIFIED: gettext_lazy("已核查，等待销号"),
    Status.CLOSED: gettext_lazy("已整改完毕并销号"),
}


def progress(public: PublicReport) -> str | None:
    """The hazard's state in plain words (that of the hazard it was merged into, if so)."""
    hazard = public.hazard
    if hazard is None:
        return None
    if hazard.status == Status.MERGED and hazard.merged_into is not None:
        hazard = hazard.merged_into
    if hazard.status == Status.MERGED:
        return _("已与同一隐患合并处理")
    return str(PROGRESS[hazard.status])


# --- staff ------------------------------------------------------------------------------


def may_triage(user, public: PublicReport) -> bool:
    """Does ``user`` hold a managing post over the report's township (or above)?"""
    return scope_of(user).covers(public.cell_path) and triages(
        user, Hazard(cell_path=public.cell_path)
    )


NO_TRIAGE = gettext_lazy("只有属地乡镇（园区）或上级可以处理举报")


def check_triage(actor, public: PublicReport) -> None:
    """NotAllowed (403) unless ``actor`` may triage ``public``."""
    if not may_triage(actor, public):
        raise NotAllowed(NO_TRIAGE, "report")


@transaction.atomic
def accept_report(
    actor,
    public: PublicReport,
    *,
    title: str,
    category,
    grade: str,
    cell: Cell | None = None,
    reply: str = "",
) -> Hazard:
    """转为隐患: the report becomes a hazard (source 群众举报) in ``cell`` — the report's
    cell or another within its township — and the triage is its 受理: it enters the loop
    accepted, to be assigned next. The reporter's point goes with it if it lies in ``cell``.

    Side effects: the hazard (through ``report`` and ``accept``; a major one reaches the
    county at once), the report's photos moved to it, one audit record for the triage.
    """
    p = _take(actor, public, PublicStep.ACCEPT)
    reply = clean_text(reply, "reply", limit=2000, required=False) or _("已受理，正在核查处理。")
    cell = cell or p.cell
    township = routing.township_of(p.cell) or p.cell
    if not cell.path.startswith(township.path):
        raise ActionError(_("隐患所在网格须在举报所在乡镇内"), "cell")
    on_point = p.lon is not None and (not cell.boundary or locate.contains(cell, p.lon, p.lat))
    hazard = report(
        actor,
        title=title,
        description=p.text,
        category=category,
        grade=grade,
        cell=cell,
        lon=p.lon if on_point else None,
        lat=p.lat if on_point else None,
        address=p.address,
        found_at=p.created_at,
        source=Source.PUBLIC,
        notify=grade == Grade.MAJOR,  # a major hazard reaches the county at once
    )
    hazard = accept(actor, hazard, note=_("群众举报转为隐患：%(c)s") % {"c": p.tracking_code})
    p.photos.update(hazard=hazard)
    p.hazard, p.triaged_at, p.reply = hazard, timezone.now(), reply
    PUBLIC_FLOW.finish(
        actor,
        p,
        fields=["hazard", "triaged_at", "reply"],
        record={
            "action": "hazards.accept_public_report",
            "after": {"hazard": hazard.number, "reply": reply},
        },
    )
    return hazard


@transaction.atomic
def reject_report(actor, public: PublicReport, *, reply: str) -> PublicReport:
    """不予受理 with a reply the reporter reads by the tracking code. Side effects: audit."""
    p = _take(actor, public, PublicStep.REJECT)
    reply = clean_text(reply, "reply", limit=2000)
    p.reply, p.triaged_at = reply, timezone.now()
    return PUBLIC_FLOW.finish(
        actor,
        p,
        fields=["reply", "triaged_at"],
        record={"action": "hazards.reject_public_report", "after": {"reply": reply}},
    )


def _take(actor, public: PublicReport, step: str) -> PublicReport:
    """Lock the report for its triage (``models.PUBLIC_FLOW``): 409 once triaged, 403
    unless ``actor`` may triage it."""

    def rule(user, p: PublicReport, step: str):
        return None if may_triage(user, p) else (NO_TRIAGE, "report")

    return PUBLIC_FLOW.take(
        PublicReport.objects.select_related("cell"), public.pk, step, actor=actor, rule=rule
    )


# --- rewards ----------------------------------------------------------------------------


def may_decide_reward(user, public: PublicReport) -> bool:
    """Rewards are the county's: a managing post over the report's county (or above)."""
    county = routing.county_of(public.cell)
    return county is not None and triages(user, Hazard(cell_path=county.path))


NO_REWARD = (gettext_lazy("举报奖励由县级审批"), "reward")


def check_reward(actor, public: PublicReport) -> None:
    """NotAllowed (403) unless ``actor`` may decide the rewards of ``public``."""
    if not may_decide_reward(actor, public):
        raise NotAllowed(*NO_REWARD)


# 批准 leads to 已批准, 发放 to 已发放: the status asked for names the step.
REWARD_STEP_TO = {RewardStatus.APPROVED: RewardStep.APPROVE, RewardStatus.PAID: RewardStep.PAY}


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
        fits = value is not None and amount.is_finite() and 0 < amount <= MAX_REWARD
    except (ArithmeticError, ValueError):
        fits = False
    if not fits:
        raise ActionError(_("请填写奖励金额（大于 0 元）"), "amount")
    return amount


@transaction.atomic
def decide_reward(actor, reward: Reward, *, status: str, amount=None) -> Reward:
    """批准 (with the amount) or 发放 a reward, in that order, by the county.

    Side effects: audit.
    """
    r = REWARD_FLOW.take(
        Reward.objects.select_related("public_report__cell"),
        reward.pk,
        REWARD_STEP_TO.get(status, status),
        actor=actor,
        rule=lambda user, r, step: None if may_decide_reward(user, r.public_report) else NO_REWARD,
    )
    if status == RewardStatus.APPROVED:
        r.amount = _amount(amount)
    r.decided_by = actor
    return REWARD_FLOW.finish(
        actor,
        r,
        fields=["amount", "decided_by", "updated_at"],
        record={
            "action": "hazards.decide_reward",
            "cell_path": r.public_report.cell_path,
            "after": {"status": status, "amount": str(r.amount) if r.amount else None},
        },
    )
