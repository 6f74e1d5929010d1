"""The supplies part's admin pages (none yet)."""
