"""Receivers of the forces part (none yet)."""
