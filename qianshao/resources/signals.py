"""The receivers of the resources area, one module per part (imported at start by apps)."""

from qianshao.resources import (  # noqa: F401
    signals_forces,
    signals_kits,
    signals_shelters,
    signals_supplies,
)
