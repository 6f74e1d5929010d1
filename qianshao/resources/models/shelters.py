"""The shelters part's records (none yet)."""

__all__: list[str] = []
