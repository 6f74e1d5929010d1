"""The incidents area's endpoints under /api/v1/incidents/, one module per part: the
incidents themselves (``api_incidents``, whose router is the area's: its list is the
area's root, /api/v1/incidents) and the orders to teams (``api_orders``)."""

from qianshao.incidents import api_incidents, api_orders

router = api_incidents.router
router.add_router("", api_orders.router)
