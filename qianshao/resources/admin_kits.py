"""The kits part's admin pages (none yet)."""
