"""The shelters part's admin pages (none yet)."""
