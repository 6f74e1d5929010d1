"""The risks area's endpoints under /api/v1/risks/, one router per part."""

from ninja import Router

from qianshao.risks import api_ledger, api_map, api_patrols, api_points

router = Router()
router.add_router("", api_points.router)
router.add_router("", api_patrols.router)
router.add_router("", api_map.router)
router.add_router("", api_ledger.router)
