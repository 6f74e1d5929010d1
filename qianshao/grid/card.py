"""The grid card (应急管理明白卡): a QR code linking back to the cell."""

import qrcode
import qrcode.image.svg


def qr_svg(link: str) -> str:
    """An inline SVG QR code for ``link``."""
    image = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


def card_rows(assignments) -> list[dict]:
    """One row per person, in the order of their first role: the roles and duties joined."""
    rows: dict[int, dict] = {}
    for assignment in assignments:
        row = rows.setdefault(assignment.person_id, {"person": assignment.person, "duties": []})
        for label in [assignment.get_role_display(), *assignment.duty_labels()]:
            if label not in row["duties"]:
                row["duties"].append(str(label))
    return list(rows.values())
