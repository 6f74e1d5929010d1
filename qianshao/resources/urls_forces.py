"""The forces part's pages (none yet)."""

urlpatterns: list = []
