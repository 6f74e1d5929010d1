"""Shelters, routes and households made through the actions for the shelters' tests."""

from qianshao.resources import actions_shelters as actions

# A line and a square inside 一村 (106.0–106.2 E, 24.0–24.2 N).
LINE = {"type": "LineString", "coordinates": [[106.05, 24.05], [106.06, 24.06], [106.07, 24.06]]}
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[106.1, 24.1], [106.101, 24.1], [106.101, 24.101], [106.1, 24.101], [106.1, 24.1]]
    ],
}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[106.1, 24.1], [106.11, 24.11], [106.11, 24.1], [106.1, 24.11], [106.1, 24.1]]
    ],
}
CROSSING = {
    "type": "LineString",
    "coordinates": [[106.1, 24.1], [106.11, 24.11], [106.11, 24.1], [106.1, 24.11]],
}


def shelter(cast, cell=None, *, by="county", area="1000", **fields):
    return actions.create_shelter(
        cast.users[by] if by else None,
        cell=cell or cast.township,
        **({"name": "甲镇中学操场", "category": "III", "area_m2": area} | fields),
    )


def route(cast, s, cell=None, *, by="county", line=LINE):
    return actions.create_route(
        cast.users[by] if by else None,
        cell=cell or cast.village,
        origin="上屯",
        shelter=s,
        line=line,
    )


def household(cast, cell=None, *, by="county", members=4, **fields):
    return actions.create_household(
        cast.users[by] if by else None,
        cell=cell or cast.village,
        **({"head": "韦大", "phone": "13900000001", "members": members} | fields),
    )
