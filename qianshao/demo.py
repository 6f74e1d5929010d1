"""The demo county, whole: the grid (qianshao.grid.demo) and its hazards' history."""

from qianshao.grid import demo as grid_demo
from qianshao.hazards import demo as hazards_demo

COUNTY = grid_demo.COUNTY
PASSWORD = grid_demo.PASSWORD
DEMO_USERS = grid_demo.DEMO_USERS


def build() -> dict:
    grid = grid_demo.build()
    hazards = hazards_demo.build()
    return {"cells": grid.cells, "people": grid.people, "hazards": hazards}
