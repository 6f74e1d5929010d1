"""The grid card (应急管理明白卡): its rows of people, and a QR code linking to the cell's
public page (views_public.py)."""

from django.utils.safestring import SafeString, mark_safe

from qianshao.grid.models import RoleAssignment


def qr_svg(link: str) -> SafeString:
    """An inline SVG QR code for ``link``: markup the QR library draws from the link (the
    link's text is encoded in the path, never copied into the markup), so templates put it
    in as it is, without ``|safe``. The QR library is imported here, not at start: its SVG
    images load lxml, which a web worker need not hold until it draws a card."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return mark_safe(image.to_string(encoding="unicode"))


def card_rows(assignments) -> list[dict]:
    """One row per person, in the order of their first role: the roles and duties joined."""
    rows: dict[int, dict] = {}
    for assignment in assignments:
        row = rows.setdefault(assignment.person_id, {"person": assignment.person, "duties": []})
        for label in [assignment.get_role_display(), *assignment.duty_labels()]:
            if label not in row["duties"]:
                row["duties"].append(str(label))
    return list(rows.values())


def cell_rows(cell) -> list[dict]:
    """The rows the printed card lists for ``cell``: its people in their term today, in
    rank order (what the public page of the cell shows too, and nothing more)."""
    posts = RoleAssignment.objects.active().filter(cell=cell).by_rank()
    return card_rows(posts.select_related("person", "department"))
