"""The risks area's records (docs/adr/0024): one module per part, the tallies beside them.

- ``points``: kinds, grading rules, risk points, their grades' history, their measures
- ``patrols``: patrol frequencies and rules, patrols (one due time's outcome), their photos
- ``tally``: the counters of risk points by grade and kind, and of patrols by month
"""

from qianshao.risks.models.patrols import *  # noqa: F403
from qianshao.risks.models.points import *  # noqa: F403
from qianshao.risks.models.tally import Tally  # noqa: F401
