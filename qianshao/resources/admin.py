"""The resources area's admin pages, one module per part."""

from qianshao.resources import admin_forces, admin_kits, admin_shelters, admin_supplies  # noqa: F401
