"""Receivers of the shelters part: none; imported at start so that the shelters' tally
recounts (declared beside their actions) are registered before any ``tally.matches``."""

from qianshao.resources import actions_shelters  # noqa: F401
