"""Receivers of the supplies part: none yet; importing the ledger here registers how its
figures are recounted (``tally.recounts``) at start."""

from qianshao.resources import ledger_supplies  # noqa: F401
