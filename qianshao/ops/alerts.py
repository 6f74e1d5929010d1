"""Telling people when something has stopped, and when it works again.

``watch()`` reads the health report (``ops.health.check``) and keeps one ``Alert`` per
problem: a new problem opens one and is told — once — to the county's dispatchers (the
dispatcher posts of the grid's top cells) and the system administrators (active
superusers); a problem gone closes its alert and that is told once too. A check that could
not be made closes nothing: its problems are unknown, not gone.

The SMS go to the gateway from this very process (``notify.delivery.deliver``, which
records the attempt on the message as the worker would): the worker may be the thing that
stopped. The in-app messages go through the outbox and arrive when the worker is back. An
SMS the gateway did not take is tried again by the next watches (and by the worker's
sweep) while its alert is recent.

The supervisor of ``qianshao run`` calls ``watch`` every ``QIANSHAO_HEALTH_CHECK_SECONDS``;
a deployment whose worker runs elsewhere calls ``qianshao status --alert`` from cron.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from qianshao.grid.models import Person, Role, RoleAssignment, active_on
from qianshao.grid.posts import posts_of
from qianshao.notify import outbox
from qianshao.notify.delivery import deliver
from qianshao.notify.models import Channel, Message, Status
from qianshao.ops import health
from qianshao.ops.models import Alert

log = logging.getLogger(__name__)

RETRY_SMS_FOR = timedelta(days=1)  # a watch retries the SMS of alerts this recent
BANNER_MAX = 20


@dataclass
class Watched:
    report: health.Report
    opened: list[Alert] = field(default_factory=list)
    closed: list[Alert] = field(default_factory=list)
    sms: list[int] = field(default_factory=list)  # the messages handed to the gateway


def watch(now: datetime | None = None) -> Watched:
    """One round: check, open and close alerts, tell people. Raises only when the database
    cannot be written (the caller logs it and tries again next round)."""
    report = health.check(now)
    now = report.at
    watched = Watched(report)
    if report.check_named("database") and report.check_named("database").error:
        return watched  # no recipients to read and nowhere to keep an alert
    problems = {p.key: p for p in report.problems}
    down = report.down()
    committed = []
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(True), robust=True)
            open_now = {a.key: a for a in Alert.objects.filter(closed_at__isnull=True)}
            for key, problem in problems.items():
                if key not in open_now:
                    watched.opened.append(
                        Alert.objects.create(
                            key=key,
                            source=problem.check,
                            message=problem.message[:500],
                            detail=problem.detail,
                            opened_at=now,
                            notified_at=now,
                        )
                    )
            for key, alert in open_now.items():
                if key not in problems and alert.source not in down:
                    alert.closed_at = alert.resolved_notified_at = now
                    alert.save(update_fields=["closed_at", "resolved_notified_at"])
                    watched.closed.append(alert)
            _tell(watched)
    except IntegrityError:  # another watcher opened the same alert meanwhile: it tells
        log.info("alerts: another watcher opened the same alert; this round tells nothing")
        return Watched(report)
    except Exception:
        if not committed:
            raise
        # written, but the queue would not take the in-app messages' task: the worker's
        # sweep delivers them when it is back; the SMS go now all the same
        log.warning("alerts: the task queue refused the messages' task", exc_info=True)
    watched.sms += _retry_sms(now, exclude=set(watched.sms))
    for message_id in watched.sms:
        _send(message_id)
    return watched


def _tell(watched: Watched) -> None:
    notices = []
    people, users = recipients()
    if watched.opened:
        text = "；".join(a.message for a in watched.opened)
        notices.append(
            (
                watched.opened,
                outbox.Notice(
                    "ops.alert",
                    subject=_("运行告警"),
                    body=_("%(text)s。请系统管理员尽快处理。") % {"text": text},
                    people=people,
                    users=users,
                    sms=True,
                    link="/",
                ),
            )
        )
    if watched.closed:
        text = "；".join(a.message for a in watched.closed)
        notices.append(
            (
                watched.closed,
                outbox.Notice(
                    "ops.resolved",
                    subject=_("运行恢复"),
                    body=_("已恢复：%(text)s") % {"text": text},
                    people=people,
                    users=users,
                    sms=True,
                    link="/",
                ),
            )
        )
    for alerts, notice in notices:
        ids = outbox.enqueue_all([notice])
        sms = list(
            Message.objects.filter(pk__in=ids, channel=Channel.SMS).values_list("pk", flat=True)
        )
        for alert in alerts:
            alert.sms = [*alert.sms, *sms]
            alert.save(update_fields=["sms"])
        watched.sms += sms


def recipients() -> tuple[list[Person], list]:
    """Who is told: the people holding a dispatcher post at a top cell of the grid and the
    people of the active superusers (SMS and in-app), and the superusers without a person
    (in-app only: a login has no phone of its own)."""
    top = RoleAssignment.objects.filter(
        active_on(),
        role=Role.DISPATCHER,
        department__isnull=True,
        cell__parent__isnull=True,
    )
    admins = Q(user__is_superuser=True, user__is_active=True)
    people = list(Person.objects.filter(Q(pk__in=top.values("person_id")) | admins).order_by("pk"))
    users = list(
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True, person__isnull=True)
        .order_by("pk")
    )
    return people, users


def _retry_sms(now: datetime, exclude: set[int]) -> list[int]:
    """The SMS of recent alerts still waiting (the gateway refused them before)."""
    recent = Alert.objects.filter(
        Q(opened_at__gte=now - RETRY_SMS_FOR) | Q(closed_at__gte=now - RETRY_SMS_FOR)
    ).values_list("sms", flat=True)
    ids = {pk for listed in recent for pk in listed} - exclude
    if not ids:
        return []
    return list(
        Message.objects.filter(pk__in=ids, status=Status.PENDING).values_list("pk", flat=True)
    )


def _send(message_id: int) -> None:
    try:
        deliver(message_id)  # claims it first: the worker, if alive, cannot send it twice
    except Exception:
        log.exception("alerts: SMS message %s could not be sent", message_id)


def watch_safely() -> None:
    """``watch`` for a loop that must go on whatever happens (the supervisor's)."""
    close_old_connections()
    try:
        watched = watch()
        for alert in watched.opened:
            log.warning("alert opened: %s (%s)", alert.message, alert.key)
        for alert in watched.closed:
            log.warning("alert closed: %s (%s)", alert.message, alert.key)
    except Exception:
        log.exception("alerts: the health watch failed")
    finally:
        close_old_connections()


def sees_alerts(user) -> bool:
    """Superusers and the dispatchers of the grid's top cells see the open alerts."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return any(
        post.role == Role.DISPATCHER and post.department_id is None and post.cell.parent_id is None
        for post in posts_of(user)
    )


def banner(user) -> list[Alert]:
    """The open alerts, for the banner of every page of those who see them (one query)."""
    if not sees_alerts(user):
        return []
    return list(Alert.objects.filter(closed_at__isnull=True).order_by("opened_at")[:BANNER_MAX])
