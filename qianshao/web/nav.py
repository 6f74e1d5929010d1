"""The top bar: the platform's own links (首页, 网格, 名册导入, 消息, 接口, 管理后台) and
each area's (its ``panels.py``), in their order, for one request; and on a phone the bottom
tab bar, the entries a ``PhoneTab`` places there, with the rest under 更多."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qianshao.grid.permissions import management_scope
from qianshao.grid.posts import works_above_field
from qianshao.lib import panels
from qianshao.lib.panels import NavEntry, PhoneTab


def _manages(user) -> bool:
    scope = management_scope(user)
    return scope.everything or bool(scope.paths)


def _staff(user) -> bool:
    return user.is_staff


OWN = (
    NavEntry(_("首页"), "home", 10, frozenset({"home"}), phone=PhoneTab(10)),
    NavEntry(_("网格"), "tree", 20, frozenset({"tree", "cell"})),
    NavEntry(_("名册导入"), "roster", 90, frozenset({"roster"}), shown=_manages),
    NavEntry(_("消息"), "inbox", 100, frozenset({"inbox"}), phone=PhoneTab(90)),
)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    active: bool = False
    badge: int = 0  # unread messages, on 消息


@dataclass(frozen=True)
class PhoneBar:
    """The phone's bottom bar: its tabs, and the links under 更多."""

    tabs: list[Link]
    more: list[Link]


def _entries(user) -> list[NavEntry]:
    """The entries ``user`` may open, in the order of the top bar."""
    entries = [e for p in panels.registered() for e in p.nav] + list(OWN)
    return sorted((e for e in entries if e.shown(user)), key=lambda e: e.order)


def _here(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    return match.url_name if match else None


def _link(entry: NavEntry, here, unread: int) -> Link:
    badge = unread * (entry.url_name == "inbox")
    return Link(entry.label, reverse(entry.url_name), entry.lit(here), badge)


def _extras(user, phone: bool = False) -> list[Link]:
    """The links that are no area's: the API's documentation (a desk's page: Swagger UI,
    not laid out for a phone) and the Django admin."""
    extras = []
    if works_above_field(user) and not phone:
        extras.append(Link(_("接口"), "/api/v1/docs"))
    if _staff(user):
        extras.append(Link(_("管理后台"), reverse("admin:index")))
    return extras


def links(request, unread: int) -> list[Link]:
    here = _here(request)
    return [_link(e, here, unread) for e in _entries(request.user)] + _extras(request.user)


def phone_bar(request, unread: int) -> PhoneBar:
    user, here = request.user, _here(request)
    entries = _entries(user)
    tabbed = sorted((e for e in entries if e.phone), key=lambda e: e.phone.order)
    tabs = [_tab(e, here, unread) if _own_tab(e, user) else _link(e, here, unread) for e in tabbed]
    # under 更多: the entries without a tab, and those whose tab leads to the user's own page
    more = [_link(e, here, unread) for e in entries if not e.phone or _own_tab(e, user)]
    return PhoneBar(tabs, more + _extras(user, phone=True))


def _own_tab(entry: NavEntry, user) -> bool:
    """Does ``entry``'s tab lead ``user`` to a page of its own rather than the entry's?"""
    return bool(entry.phone and entry.phone.url_name and entry.phone.mine(user))


def _tab(entry: NavEntry, here, unread: int) -> Link:
    tab = entry.phone
    lit = here == tab.url_name
    return Link(tab.label or entry.label, reverse(tab.url_name), lit)
