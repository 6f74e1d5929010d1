"""The kits part's pages (none yet)."""

urlpatterns: list = []
