"""The shelters part's pages (none yet)."""

urlpatterns: list = []
