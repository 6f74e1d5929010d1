"""What the grid contributes to the top bar beyond the platform's own links (web/nav.py):
the contact book (通讯录), for everyone with a post."""

from django.utils.translation import gettext_lazy as _

from qianshao.lib.panels import InboxKind, NavEntry, Panel, register

NAV = (NavEntry(_("通讯录"), "contacts", 25, frozenset({"contacts"})),)
# the inbox: appointments and ended terms
INBOX = (("grid", InboxKind("grid", _("网格/名册"), 50)),)

register(Panel("grid", nav=NAV, inbox=INBOX))
