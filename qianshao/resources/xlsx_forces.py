"""队伍台账: a cell's teams as an .xlsx workbook in the shared form layout (``lib.xlsx.Form``):
the teams on the first sheet, their current members (with the other teams each is in and
their certificates) on the second. Read through the (cell_path, kind) index, in order."""

from collections import defaultdict
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.grid import tree
from qianshao.lib.xlsx import Form
from qianshao.resources.models import Member, TeamStatus

if TYPE_CHECKING:
    from openpyxl import Workbook

COUNT = "0"
MAX_TEAMS = 5000  # a county's teams; a larger subtree is exported per county


def teams_workbook(cell, teams, seen_certificates) -> "Workbook":
    """``teams`` (a scoped queryset) of ``cell``'s subtree, as 队伍台账; its members'
    certificates from ``seen_certificates``, scoped as well (a member's certificate recorded by
    a team outside the reader's scope is not theirs to see)."""
    teams = list(
        teams.filter(tree.subtree_q(cell.path, "cell_path"))
        .exclude(status=TeamStatus.REVOKED)
        .select_related("cell", "leader")
        .order_by("cell_path", "kind", "id")[:MAX_TEAMS]
    )
    from openpyxl import Workbook

    today = timezone.localdate().isoformat()
    book = Workbook()
    sheet = book.active
    sheet.title = _("队伍")
    form = Form(sheet, _("应急救援队伍台账"), [6, 18, 22, 12, 10, 16, 8, 8, 26])
    unit = _("填报单位：%(n)s（%(c)s）") % {"n": cell.name, "c": cell.code}
    form.meta(unit, _("截至 %(d)s") % {"d": today})
    form.header(
        [
            (_("序号"), []),
            (_("所属网格"), []),
            (_("队伍名称"), []),
            (_("队伍类型"), []),
            (_("队长"), []),
            (_("联系电话"), []),
            (_("队员数"), []),
            (_("状态"), []),
            (_("驻地地址"), []),
        ]
    )
    for i, t in enumerate(teams, start=1):
        leader = t.leader.name if t.leader_id else ""
        form.line(
            [
                i,
                t.cell.name,
                t.name,
                t.get_kind_display(),
                leader,
                t.phone,
                t.members_n,
                t.get_status_display(),
                t.address,
            ],
            formats={7: COUNT},
        )
    form.line(
        [
            _("合计"),
            "",
            _("%(n)s 支") % {"n": len(teams)},
            "",
            "",
            "",
            sum(t.members_n for t in teams),
            "",
            "",
        ],
        bold=True,
        formats={7: COUNT},
    )
    form.signatures(today)
    _members_sheet(book, teams, seen_certificates, unit, today)
    return book


def _members_sheet(book, teams, seen_certificates, unit: str, today: str) -> None:
    form = Form(book.create_sheet(_("队员")), _("应急救援队员名册"), [6, 22, 10, 14, 8, 20, 22, 30])
    form.meta(unit, _("截至 %(d)s") % {"d": today})
    form.header(
        [
            (_("序号"), []),
            (_("队伍名称"), []),
            (_("姓名"), []),
            (_("手机号"), []),
            (_("队内职务"), []),
            (_("技能特长"), []),
            (_("同时所在队伍"), []),
            (_("证书（有效期至）"), []),
        ]
    )
    names = {t.pk: t.name for t in teams}
    members = list(
        Member.objects.filter(team_id__in=list(names), left=None)
        .select_related("person")
        .order_by("team__cell_path", "team_id", "id")
    )
    teams_of: dict[int, list[str]] = defaultdict(list)
    for m in members:
        teams_of[m.person_id].append(names[m.team_id])
    certificates: dict[int, list[str]] = defaultdict(list)
    people = {m.person_id for m in members}
    for c in seen_certificates.filter(person_id__in=people).order_by("expires", "id"):
        certificates[c.person_id].append(f"{c.name}（{c.expires or _('长期')}）")
    for i, m in enumerate(members, start=1):
        others = [n for n in teams_of[m.person_id] if n != names[m.team_id]]
        form.line(
            [
                i,
                names[m.team_id],
                m.person.name,
                m.person.phone,
                m.get_role_display(),
                m.skills,
                "、".join(others),
                "；".join(certificates[m.person_id]),
            ]
        )
    form.signatures(today)
