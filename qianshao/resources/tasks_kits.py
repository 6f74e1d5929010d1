"""The kits part's periodic tasks (none yet)."""
