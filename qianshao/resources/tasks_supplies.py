"""The supplies part's periodic tasks (none yet)."""
