"""Incidents' test helpers: an incident in 一村 and teams to send."""

from datetime import timedelta

from django.utils import timezone

from qianshao.incidents import actions
from qianshao.resources import actions_forces


def an_incident(cast, user="village", *, minutes_ago=30, **fields):
    """A road accident in 一村, received ``minutes_ago`` after it happened."""
    values = {
        "title": "一村路口两车相撞",
        "kind": "accident",
        "category": "road",
        "cell": cast.village,
        "occurred_at": timezone.now() - timedelta(minutes=minutes_ago),
        "summary": "两辆小车相撞，一人受伤。",
        "place": "一村村口",
        "lon": 106.1,
        "lat": 24.1,
        "figures": {"injured": 1},
    } | fields
    return actions.open_incident(cast.users[user], **values)


def a_team(cast, cell=None, *, name="甲镇综合救援队", lon=106.1, lat=24.15, leader="李队长"):
    """A standing-by team of ``cell`` (甲镇 by default) with a leader who has a login."""
    from qianshao.accounts.actions import create_login

    team = actions_forces.create_team(
        None,
        cell=cell or cast.township,
        name=name,
        kind="comprehensive",
        base_lon=lon,
        base_lat=lat,
        leader_name=leader,
        leader_phone=f"139{abs(hash(name)) % 10**8:08d}",
    )
    team.refresh_from_db()
    if team.leader is not None and team.leader.user_id is None:
        create_login(None, team.leader, username=f"leader{team.pk}", password="qianshao-test-1")
        team.leader.refresh_from_db()
    return team
