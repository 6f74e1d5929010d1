"""Receivers of the kits part (none yet)."""
