"""The forces part's periodic tasks (none yet)."""
