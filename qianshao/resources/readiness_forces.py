"""The forces part's figures for the readiness view (应急资源一张表), read from the tallies.

For each cell path, ``figures(paths)[path]`` holds:

- ``teams``: counted (not revoked) teams in the cell's subtree, all kinds;
- ``teams_by_kind``: the same by team kind ({kind: n});
- ``members``: current memberships of those teams (a person in two teams counts twice);
- ``met``: cells in the subtree (the cell included) that meet their norm;
- ``experts``: experts of the pool kept in the subtree;
- ``experts_overdue``: of those, not verified within 12 months.

No query but the tallies' one (compliance, with the expected cells, is ``compliance_forces``).
"""

from qianshao.resources import counts_forces as counts
from qianshao.resources import tally


def figures(paths: list[str]) -> dict[str, dict]:
    found = tally.read_many(
        paths,
        counts.TEAMS,
        counts.MEMBERS,
        counts.MET,
        counts.EXPERTS,
        counts.EXPERTS_OVERDUE,
    )
    answer = {}
    for path in paths:
        f = found[path]
        answer[path] = {
            "teams": sum(f.get(counts.TEAMS, {}).values()),
            "teams_by_kind": dict(f.get(counts.TEAMS, {})),
            "members": sum(f.get(counts.MEMBERS, {}).values()),
            "met": sum(f.get(counts.MET, {}).values()),
            "experts": f.get(counts.EXPERTS, {}).get("", 0),
            "experts_overdue": f.get(counts.EXPERTS_OVERDUE, {}).get("", 0),
        }
    return answer
