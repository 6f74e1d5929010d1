"""The supplies part's pages (none yet)."""

urlpatterns: list = []
