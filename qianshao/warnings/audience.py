"""Who a warning reaches, and by which channel: the posts the fan-out writes a delivery
for (the level's roles in the targets' subtrees, but the warning's author, approver and
issuer), and whether each person can be told — in-app (they have a login), by SMS (SMS is
configured, ``QIANSHAO_SMS_URL``, and they have a phone), both, or not at all.

The draft's page shows the reach before issuing, issuing is refused when nobody can be
told, and the board counts the deliveries nobody can tell as 无法送达. Everything is read
in a fixed number of queries (aggregates), however many people the targets hold.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet

from qianshao.grid import tree
from qianshao.grid.models import Role, RoleAssignment, active_on
from qianshao.warnings import rules

LISTED = 50  # people without a channel named on the draft's page


def sms_on() -> bool:
    """Is an SMS gateway configured (``QIANSHAO_SMS_URL``)? Without one no SMS is queued."""
    return bool(settings.SMS_GATEWAY_URL)


def reachable(user_id: int | None, phone: str) -> bool:
    """Can a person with login ``user_id`` (or None) and ``phone`` be told at all?"""
    return user_id is not None or (sms_on() and bool(phone))


def unreachable_q(prefix: str = "", phone: str = "phone") -> Q:
    """The rows whose person has neither a login nor (SMS on and) a phone: ``prefix`` leads
    to the person (``"person__"`` from a delivery), ``phone`` names the phone's field."""
    q = Q(**{f"{prefix}user__isnull": True})
    return q & Q(**{phone: ""}) if sms_on() else q


def unreachable_flag(prefix: str = "", phone: str = "phone") -> ExpressionWrapper:
    """``unreachable_q`` as a boolean column, for annotating rows."""
    return ExpressionWrapper(unreachable_q(prefix, phone), output_field=BooleanField())


def issuers(w, issuer=None) -> set[int]:
    """The logins that are not recipients of ``w``: its author, approver and issuer (for a
    warning not yet issued, ``issuer``: whoever is about to issue it)."""
    issued_by = w.issued_by_id or (issuer.pk if issuer is not None else None)
    return {w.created_by_id, w.approved_by_id, issued_by} - {None}


def assignments(w, roles) -> QuerySet:
    """The posts in force of ``roles`` in the subtrees of ``w``'s targets."""
    within = Q(pk__in=[])
    for t in w.targets.all():
        within |= tree.subtree_q(t.cell_path, "cell__path")
    return RoleAssignment.objects.filter(active_on(), within, role__in=roles)


@dataclass
class Unreachable:
    """One person nobody can tell, at their highest post."""

    name: str
    phone: str
    role: str
    cell: str  # its code
    cell_name: str

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


@dataclass
class Reach:
    """How many people a warning will reach and by which channel."""

    people: int = 0
    inapp: int = 0  # in-app only (a login, no SMS)
    sms: int = 0  # SMS only (no login)
    both: int = 0
    none: int = 0  # no channel at all
    sms_on: bool = False
    unreachable: list[Unreachable] = field(default_factory=list)  # the first LISTED

    @property
    def reached(self) -> int:
        return self.people - self.none

    def as_dict(self) -> dict:
        return {
            "people": self.people,
            "reached": self.reached,
            "inapp": self.inapp,
            "sms": self.sms,
            "both": self.both,
            "none": self.none,
            "sms_on": self.sms_on,
            "unreachable": [
                {
                    "name": u.name,
                    "phone": u.phone,
                    "role": u.role,
                    "cell": u.cell,
                    "cell_name": u.cell_name,
                }
                for u in self.unreachable
            ],
        }


def reach(w, issuer=None, *, named: bool = True) -> Reach:
    """Who issuing ``w`` now would write a delivery for, counted by channel, with the first
    ``LISTED`` of those without any when ``named`` (ordered as the fan-out reads them: by
    cell, each at their highest post). Three queries — the targets, the counts, those with
    no channel — however many people."""
    posts = assignments(w, rules.rule(w.level).roles)
    if leaving_out := issuers(w, issuer):
        posts = posts.exclude(person__user_id__in=leaving_out)
    login, phone = Q(person__user__isnull=False), ~Q(person__phone="")
    counted = posts.aggregate(
        people=Count("person", distinct=True),
        login=Count("person", distinct=True, filter=login),
        phone=Count("person", distinct=True, filter=phone),
        login_phone=Count("person", distinct=True, filter=login & phone),
    )
    on = sms_on()
    found = Reach(people=counted["people"], sms_on=on)
    if on:
        found.both = counted["login_phone"]
        found.inapp = counted["login"] - found.both
        found.sms = counted["phone"] - found.both
    else:
        found.inapp = counted["login"]
    found.none = found.people - found.inapp - found.sms - found.both
    if found.none and named:
        found.unreachable = _first_unreachable(posts)
    return found


def _first_unreachable(posts: QuerySet) -> list[Unreachable]:
    rows = (
        posts.filter(unreachable_q("person__", "person__phone"))
        .order_by("cell__path", "id")
        .values_list(
            "person_id", "person__name", "person__phone", "role", "cell__code", "cell__name"
        )
    )
    seen, found = set(), []
    for person, *shown in rows.iterator(chunk_size=500):
        if person in seen:
            continue
        seen.add(person)
        found.append(Unreachable(*shown))
        if len(found) == LISTED:
            break
    return found
