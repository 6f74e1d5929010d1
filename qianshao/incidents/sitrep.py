"""The SitRep (情况报告) of an incident, generated at any moment from its records and laid
out as the usual 突发事件信息报告: the facts (what, when, where, kind, grade, the unit), the
casualties and loss, the response (its level, who commands, the teams and people on site,
the supplies sent, the people evacuated and sheltered), the latest log entries — as a page
and as a .docx (python-docx)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from io import BytesIO

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from qianshao.incidents.models import Incident, LogEntry, OrderStatus

LOG_LINES = 10
ON_SITE = (OrderStatus.ARRIVED, OrderStatus.WORKING, OrderStatus.DONE)
ON_THE_WAY = (OrderStatus.ORDERED, OrderStatus.RECEIVED, OrderStatus.DEPARTED)


@dataclass
class SitRep:
    incident: Incident
    at: datetime
    number: int  # which report this is (the reports so far)
    facts: list[tuple[str, str]]
    casualties: str
    response: list[str]
    teams: list[dict]
    supplies: list[str]
    log: list[LogEntry] = field(default_factory=list)

    @property
    def title(self) -> str:
        return _("突发事件信息报告")

    @property
    def issue(self) -> str:
        i = self.incident
        stage = _("终报") if not i.open else (_("初报") if self.number <= 1 else _("续报"))
        return _("（%(stage)s·第%(n)s期）") % {"stage": stage, "n": self.number}


def _local(at) -> str:
    return date_format(timezone.localtime(at), "Y年n月j日 H:i") if at else "—"


def _quantity(text: str) -> Decimal:
    try:
        return Decimal(text)
    except (InvalidOperation, TypeError):
        return Decimal(0)


def build(incident: Incident) -> SitRep:
    """The SitRep of ``incident`` as its records stand now (a handful of queries)."""
    i = incident
    now = timezone.now()
    orders = list(i.orders.all())
    on_site = [o for o in orders if o.status in ON_SITE]
    on_the_way = [o for o in orders if o.status in ON_THE_WAY]
    sent: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for supply in i.supplies.all():
        for name, quantity, unit in supply.lines:
            sent[(name, unit)] += _quantity(quantity)
    place = " ".join(x for x in (i.cell.name, i.place) if x)
    facts = [
        (_("事件名称"), i.title),
        (_("事件类别"), f"{i.get_kind_display()} · {i.get_category_display()}"),
        (_("事发时间"), _local(i.occurred_at)),
        (_("事发地点"), place),
        (_("事发单位"), i.unit or "—"),
        (_("事件等级"), i.get_grade_display()),
        (_("接报时间"), _local(i.reported_at)),
    ]
    casualties = _(
        "死亡 %(d)s 人，失踪 %(m)s 人，受伤 %(i)s 人（其中重伤 %(s)s 人），被困 %(t)s 人；"
        "直接经济损失 %(l)s 万元。"
    ) % {
        "d": i.dead,
        "m": i.missing,
        "i": i.injured,
        "s": i.seriously_injured,
        "t": i.trapped,
        "l": i.direct_loss,
    }
    response = []
    if i.level:
        response.append(_("已启动%(l)s应急响应。") % {"l": i.get_level_display()})
    else:
        response.append(_("尚未启动应急响应。"))
    if i.commander_id:
        response.append(_("现场指挥官：%(n)s。") % {"n": i.commander.name})
    response.append(
        _("调派队伍 %(n)s 支：到达现场 %(a)s 支 %(ap)s 人，途中 %(w)s 支 %(wp)s 人。")
        % {
            "n": len(orders),
            "a": len(on_site),
            "ap": sum(o.team_size for o in on_site),
            "w": len(on_the_way),
            "wp": sum(o.team_size for o in on_the_way),
        }
    )
    response.append(
        _("已转移群众 %(e)s 人，其中集中安置 %(s)s 人。") % {"e": i.evacuated, "s": i.sheltered}
    )
    if i.measures:
        response.append(_("已采取的措施：%(m)s") % {"m": i.measures})
    teams = [
        {
            "name": o.team_name,
            "size": o.team_size,
            "status": OrderStatus(o.status).label,
            "task": o.task,
        }
        for o in orders
        if o.status not in (OrderStatus.RELEASED, OrderStatus.RECALLED)
    ]
    supplies = [
        f"{name}{format(quantity.normalize(), 'f')}{unit}"
        for (name, unit), quantity in sent.items()
    ]
    log = list(LogEntry.objects.filter(incident=i).order_by("-id")[:LOG_LINES])
    return SitRep(
        incident=i,
        at=now,
        number=max(i.reports_n, 1),
        facts=facts,
        casualties=casualties,
        response=response,
        teams=teams,
        supplies=supplies,
        log=log,
    )


# python-docx (and lxml under it) is imported where a .docx is written, never at start: a web
# worker loads it on its first download of a SitRep only.


def _font(run, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = "SimSun"
    run._element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")


def _paragraph(doc, text: str, size: float = 12, bold: bool = False, center: bool = False):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(text), size, bold)
    return p


def docx(rep: SitRep) -> bytes:
    """The SitRep as a .docx: the title and issue, the facts as a table, then the
    casualties, the response, the teams, the supplies and the latest log entries."""
    from docx import Document

    doc = Document()
    i = rep.incident
    _paragraph(doc, rep.title, 18, bold=True, center=True)
    _paragraph(doc, rep.issue, 12, center=True)
    _paragraph(
        doc,
        _("编号：%(n)s　　报告时间：%(at)s") % {"n": i.number, "at": _local(rep.at)},
        10.5,
        center=True,
    )
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rep.facts:
        cells = table.add_row().cells
        _font(cells[0].paragraphs[0].add_run(str(label)), 11, bold=True)
        _font(cells[1].paragraphs[0].add_run(str(value)), 11)
    _paragraph(doc, _("一、事件经过"), 14, bold=True)
    _paragraph(doc, i.summary)
    _paragraph(doc, _("二、人员伤亡和损失情况"), 14, bold=True)
    _paragraph(doc, rep.casualties)
    _paragraph(doc, _("三、应急处置情况"), 14, bold=True)
    for line in rep.response:
        _paragraph(doc, line)
    if rep.teams:
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, label in zip(
            table.rows[0].cells, (_("队伍"), _("人数"), _("状态"), _("任务")), strict=True
        ):
            _font(cell.paragraphs[0].add_run(str(label)), 10.5, bold=True)
        for team in rep.teams:
            cells = table.add_row().cells
            for cell, value in zip(
                cells,
                (team["name"], str(team["size"]), str(team["status"]), team["task"]),
                strict=True,
            ):
                _font(cell.paragraphs[0].add_run(value), 10.5)
    if rep.supplies:
        _paragraph(doc, _("调拨物资：%(s)s。") % {"s": "、".join(rep.supplies)})
    _paragraph(doc, _("四、最新动态"), 14, bold=True)
    for entry in rep.log:
        when = f"{timezone.localtime(entry.at):%m-%d %H:%M}"
        _paragraph(
            doc, f"{when} {entry.get_kind_display()}（{entry.author_name}）：{entry.text}", 10.5
        )
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
