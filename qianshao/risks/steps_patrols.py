"""A check-in as the page and the API both take it: the QR code's key turned into
``via_qr`` (set only when it is this point's), then the action."""

import uuid

from qianshao.risks import actions_patrols
from qianshao.risks.models import Patrol, RiskPoint


def scanned(point: RiskPoint, qr) -> bool:
    """Is ``qr`` (the key the notice board's QR code carries) this point's?"""
    if not qr:
        return False
    try:
        return uuid.UUID(str(qr)) == point.public_key
    except ValueError:
        return False


def check_in(user, point: RiskPoint, fields: dict, photos=()) -> Patrol:
    """打卡 with ``fields``: result, note, lon, lat, qr, client_uuid, at (as given)."""
    return actions_patrols.check_in(
        user,
        point,
        result=fields.get("result") or "",
        note=fields.get("note") or "",
        lon=fields.get("lon"),
        lat=fields.get("lat"),
        via_qr=scanned(point, fields.get("qr")),
        photos=photos,
        client_uuid=fields.get("client_uuid"),
        at=fields.get("at"),
    )
