"""The shelters part's periodic tasks (none yet)."""
