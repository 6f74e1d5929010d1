"""The resources area's endpoints under /api/v1/resources/, one router per part, and the
readiness view (应急资源一张表) of a cell that draws on them all."""

from typing import Any

from ninja import Router

from qianshao.grid.access import cell_or_own
from qianshao.lib.schemas import Error, OutSchema
from qianshao.resources import api_forces, api_kits, api_shelters, api_supplies, readiness


class ReadinessLineOut(OutSchema):
    cell: str
    name: str
    kind: str
    forces: dict[str, Any]
    kits: dict[str, Any]
    supplies: dict[str, Any]
    shelters: dict[str, Any]


class ReadinessOut(OutSchema):
    cell: str
    total: ReadinessLineOut
    children: list[ReadinessLineOut]


readiness_router = Router(tags=["resources"])


@readiness_router.get("/readiness", response={200: ReadinessOut, 400: Error, 404: Error})
def readiness_table(request, cell: str | None = None):
    """The readiness of a cell (your own by default) and of each of its children: teams
    against their norm and members, experts, kit completeness, stock by class with shortages,
    near-expiry batches and transfers in transit, shelter capacity against population."""
    where = cell_or_own(request.user, cell)
    table = readiness.table(where)
    return {
        "cell": where.code,
        "total": table.total.as_dict(),
        "children": [line.as_dict() for line in table.children],
    }


router = Router()
router.add_router("", readiness_router)
router.add_router("", api_forces.router)
router.add_router("", api_kits.router)
router.add_router("", api_supplies.router)
router.add_router("", api_shelters.router)
