"""Receivers of the supplies part (none yet)."""
