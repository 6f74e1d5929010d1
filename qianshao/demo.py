"""The demo county, whole: the grid (qianshao.grid.demo), its hazards' history, its
warnings with their 叫应 history, and a month of zero reports and disasters."""

from qianshao.disasters import demo as disasters_demo
from qianshao.grid import demo as grid_demo
from qianshao.hazards import demo as hazards_demo
from qianshao.warnings import demo as warnings_demo

COUNTY = grid_demo.COUNTY
PASSWORD = grid_demo.PASSWORD
DEMO_USERS = grid_demo.DEMO_USERS


def build() -> dict:
    grid = grid_demo.build()
    hazards = hazards_demo.build()
    warnings = warnings_demo.build()
    zero_reports = disasters_demo.build()
    return {
        "cells": grid.cells,
        "people": grid.people,
        "hazards": hazards,
        "warnings": warnings,
        "zero_reports": zero_reports,
    }
