"""Receivers of the forces part: none yet; importing the figures' recounts registers them
with ``tally`` at start."""

from qianshao.resources import counts_forces  # noqa: F401
