"""The forces part's admin pages (none yet)."""
