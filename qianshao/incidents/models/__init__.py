"""The incidents area's records (docs/adr/0025): one module per part, the tallies beside them.

- ``incidents``: the reporting rule, incidents, their reports (each a version), the
  passing up level by level (``Relay``), the command log
- ``orders``: the orders to teams (dispatch) and their answers
- ``duty``: the duty desk — rosters, shifts and their check-in, swaps, spot checks,
  handovers, the duty log
- ``tally``: the counters of incidents and of reports' timeliness
"""

from qianshao.incidents.models.duty import *  # noqa: E402, F403
from qianshao.incidents.models.incidents import *  # noqa: F403
from qianshao.incidents.models.orders import *  # noqa: F403
from qianshao.incidents.models.tally import Tally  # noqa: F401
