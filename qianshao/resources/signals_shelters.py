"""Receivers of the shelters part (none yet)."""
