"""The resources area's endpoints under /api/v1/resources/, one router per part."""

from ninja import Router

from qianshao.resources import api_forces, api_kits, api_shelters, api_supplies

router = Router()
router.add_router("", api_forces.router)
router.add_router("", api_kits.router)
router.add_router("", api_supplies.router)
router.add_router("", api_shelters.router)
