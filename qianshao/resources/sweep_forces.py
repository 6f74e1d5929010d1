"""The forces' daily sweep (docs/adr/0023 "Sweep"): idempotent and catching up, each step of
a record claimed once through ``workflow.once`` in the transaction that takes it.

- An expert not verified within 12 months (verified before this day a year ago) becomes
  overdue: step ``verify@<verified_on>`` — ``overdue`` set, ``experts_overdue`` up, its
  keeper told once (the managers of its cell when it has none). 核实 sets a new date, which
  re-arms the step for the next year.
- A certificate expiring within 30 days: step ``expires:30@<expires>`` — the managers of
  the cell of each team its holder is a current member of are told, with the team's leader
  (a corrected expiry re-arms the step).
- A social force's agreement ending within 30 days: step ``expires:30@<agreement_end>`` —
  the managers of its cell are told, to renew it.

Candidates come from the indexes (``expert_verify`` on (overdue, verified_on),
``certificate_expires`` on expires, ``social_force_agreement`` on agreement_end): a sweep's
cost follows what falls due, not the years of rows behind it.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.grid import tree
from qianshao.grid.models import MANAGING_ROLES, Person, RoleAssignment
from qianshao.notify.outbox import Notice, enqueue_all
from qianshao.resources import counts_forces as counts
from qianshao.resources import tally
from qianshao.resources.models import Certificate, Expert, Member, SocialForce, TeamStatus
from qianshao.workflow import once

EXPIRING_WITHIN = timedelta(days=30)
NAMES_IN_NOTICE = 20
BATCH = 500


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Take every step due by ``now``; returns how many experts became overdue and how
    many certificates were told about."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    overdue = 0
    while True:  # in batches, each its own transaction, until nothing is left
        n = overdue_experts(today, now)
        overdue += n
        if n < BATCH:
            break
    return {
        "experts_overdue": overdue,
        "certificates": expiring_certificates(today, now),
        "agreements": ending_agreements(today, now),
    }


def _verify_step(expert) -> str:
    return f"verify@{expert.verified_on.isoformat()}"


@transaction.atomic
def overdue_experts(today: date, now: datetime) -> int:
    """Mark the experts verified before a year ago overdue, each once; tell their keepers."""
    # locked: an expert verified (核实) while the sweep runs is waited for and re-read, not
    # marked overdue on the date read before
    due = list(
        Expert.objects.filter(overdue=False, verified_on__lt=counts.year_before(today))
        .select_related("keeper")
        .select_for_update(of=("self",))
        .order_by("verified_on", "id")[:BATCH]
    )
    pairs = {(once.subject(e), _verify_step(e)): e for e in due}
    taken = once.claim_all(pairs, now)
    marked = [pairs[p] for p in sorted(taken)]
    if not marked:
        return 0
    Expert.objects.filter(pk__in=[e.pk for e in marked]).update(overdue=True)
    tally.add_many([(e.cell_path, counts.EXPERTS_OVERDUE, "", 1) for e in marked])
    enqueue_all(_expert_notices(marked, today))
    audit(
        actor=None,
        action="resources.expert.overdue",
        object_type="resources.sweep",
        object_id=today.isoformat(),
        label=f"{today} experts",
        after={"day": today, "experts": sorted(e.pk for e in marked)},
    )
    return len(marked)


def _expert_notices(experts: list[Expert], today: date) -> list[Notice]:
    """One notice per keeper naming their experts (a keeperless expert: its cell's
    managers)."""
    by_keeper: dict = defaultdict(list)
    managers = _managers([e.cell_path for e in experts if e.keeper_id is None])
    for e in experts:
        if e.keeper_id:
            by_keeper[("user", e.keeper_id)].append(e)
        else:
            for person in managers.get(e.cell_path, []):
                by_keeper[("person", person.pk)].append(e)
    people = {p.pk: p for ps in managers.values() for p in ps}
    notices = []
    for (kind, pk), held in by_keeper.items():
        names = "、".join(e.name for e in held[:NAMES_IN_NOTICE])
        keeper = held[0].keeper if kind == "user" else None
        notices.append(
            Notice(
                "resources.expert_overdue",
                _("【专家库】%(n)s 位专家超过 12 个月未核实") % {"n": len(held)},
                body=_("请核实专家信息：%(names)s") % {"names": names},
                link="/resources/experts/?overdue=1",
                users=[keeper] if keeper else [],
                people=[people[pk]] if kind == "person" else [],
                dedupe_key=f"resources.expert_overdue:{today.isoformat()}:{kind}{pk}",
            )
        )
    return notices


@transaction.atomic
def expiring_certificates(today: date, now: datetime) -> int:
    """Tell of the certificates expiring within 30 days, each once per expiry date."""
    due = list(
        Certificate.objects.filter(expires__gte=today, expires__lte=today + EXPIRING_WITHIN)
        .select_related("person")
        .order_by("expires", "id")
    )
    pairs = {(once.subject(c), f"expires:30@{c.expires.isoformat()}"): c for c in due}
    taken = [pairs[p] for p in sorted(once.claim_all(pairs, now))]
    if not taken:
        return 0
    memberships = (
        Member.objects.filter(person_id__in={c.person_id for c in taken}, left=None)
        .exclude(team__status=TeamStatus.REVOKED)
        .select_related("team__leader")
    )
    teams_of: dict[int, list] = defaultdict(list)
    for m in memberships:
        teams_of[m.person_id].append(m.team)
    managers = _managers([t.cell_path for ts in teams_of.values() for t in ts])
    told: dict[int, tuple[Person, list]] = {}
    for c in taken:
        # told to the team that recorded it, not to every team its holder is in (another
        # county's managers would learn of a certificate outside their scope)
        recorded = [t for t in teams_of.get(c.person_id, []) if t.cell_path == c.cell_path]
        for team in recorded:
            for person in [*managers.get(team.cell_path, []), team.leader]:
                if person is not None:
                    told.setdefault(person.pk, (person, []))[1].append((c, team))
    notices = []
    for person, held in told.values():
        lines = "；".join(
            _("%(team)s %(who)s 的%(cert)s %(day)s 到期")
            % {"team": t.name, "who": c.person.name, "cert": c.name, "day": c.expires}
            for c, t in held[:NAMES_IN_NOTICE]
        )
        notices.append(
            Notice(
                "resources.certificate_expiring",
                _("【队伍】%(n)s 张证书 30 天内到期") % {"n": len(held)},
                body=lines,
                link=f"/resources/teams/{held[0][1].pk}/",
                people=[person],
                sms=True,  # a team's leader often has no login
                dedupe_key=f"resources.certificate_expiring:{today.isoformat()}:{person.pk}",
            )
        )
    enqueue_all(notices)
    audit(
        actor=None,
        action="resources.certificate.expiring",
        object_type="resources.sweep",
        object_id=today.isoformat(),
        label=f"{today} certificates",
        after={"day": today, "certificates": sorted(c.pk for c in taken), "told": sorted(told)},
    )
    return len(taken)


@transaction.atomic
def ending_agreements(today: date, now: datetime) -> int:
    """Tell the managers of a social force's cell that its agreement ends within 30 days,
    once per end date."""
    due = list(
        SocialForce.objects.filter(
            agreement_end__gte=today, agreement_end__lte=today + EXPIRING_WITHIN
        ).order_by("agreement_end", "id")
    )
    pairs = {(once.subject(f), f"expires:30@{f.agreement_end.isoformat()}"): f for f in due}
    taken = [pairs[p] for p in sorted(once.claim_all(pairs, now))]
    if not taken:
        return 0
    managers = _managers([f.cell_path for f in taken])
    notices = [
        Notice(
            "resources.agreement_ending",
            _("【社会应急力量】%(o)s 的协议将于 %(d)s 到期")
            % {"o": f.organisation, "d": f.agreement_end},
            body=_("请及时续签协议：%(o)s（%(c)s %(p)s）")
            % {"o": f.organisation, "c": f.contact, "p": f.phone},
            link=f"/resources/social-forces/{f.pk}/edit/",
            people=managers.get(f.cell_path, []),
            dedupe_key=f"resources.agreement_ending:{f.pk}:{f.agreement_end.isoformat()}",
        )
        for f in taken
    ]
    enqueue_all(notices)
    audit(
        actor=None,
        action="resources.social_force.agreement_ending",
        object_type="resources.sweep",
        object_id=today.isoformat(),
        label=f"{today} agreements",
        after={"day": today, "social_forces": sorted(f.pk for f in taken)},
    )
    return len(taken)


def _managers(paths: list[str]) -> dict[str, list[Person]]:
    """For each cell path, the people in a managing post (not a department's) at the
    nearest cell at or above it that has one: one query for them all."""
    if not paths:
        return {}
    lineages = {p: tree.lineage(p) for p in set(paths)}
    wanted = {a for lineage in lineages.values() for a in lineage}
    posts = (
        RoleAssignment.objects.active()
        .filter(cell__path__in=wanted, role__in=MANAGING_ROLES, department=None)
        .select_related("person", "cell")
    )
    at: dict[str, list[Person]] = defaultdict(list)
    for post in posts:
        if post.person not in at[post.cell.path]:
            at[post.cell.path].append(post.person)
    found = {}
    for path, lineage in lineages.items():
        nearest = next((a for a in reversed(lineage) if at.get(a)), None)
        found[path] = at[nearest] if nearest else []
    return found
