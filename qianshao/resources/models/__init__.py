"""The resources area's records (docs/adr/0023): one module per part, the tallies beside them.

- ``forces``: teams, members, certificates, norms, experts, social forces
- ``kits``: kit standards and lines, each duty holder's card and issued items
- ``supplies``: the catalogue, storage points, batches, holdings, the stock card, transfers
- ``shelters``: shelters, evacuation routes, transfer lists (households)
"""

from qianshao.resources.models.forces import *  # noqa: F403
from qianshao.resources.models.kits import *  # noqa: F403
from qianshao.resources.models.shelters import *  # noqa: F403
from qianshao.resources.models.supplies import *  # noqa: F403
from qianshao.resources.models.tally import Tally  # noqa: F401
