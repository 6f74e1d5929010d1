"""Risk points for the risks' tests, made through the action in the test cast's grid."""

from qianshao.risks import actions_points
from qianshao.risks.models import RiskKind

# inside the cast's village 一村 (106.0–106.2 E, 24.0–24.2 N)
VILLAGE_POINT = {"type": "Point", "coordinates": [106.1, 24.1]}
VILLAGE_AREA = {
    "type": "Polygon",
    "coordinates": [
        [[106.05, 24.05], [106.15, 24.05], [106.15, 24.15], [106.05, 24.15], [106.05, 24.05]]
    ],
}
# LEC 6 × 3 × 15 = 270: 较大 (橙)
ORANGE_LEC = {"L": 6, "E": 3, "C": 15}


def risk_point(cast, *, kind="hazchem", inputs=None, cell=None, geometry=None, **fields):
    fields.setdefault("name", "加油站")
    return actions_points.create_point(
        cast.users["township"],
        cell=cell or cast.village,
        kind=RiskKind.objects.get(code=kind),
        geometry=geometry or VILLAGE_POINT,
        inputs=inputs or ORANGE_LEC,
        **fields,
    )
