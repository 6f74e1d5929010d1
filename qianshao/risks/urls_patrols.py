"""The risks' patrols pages."""

urlpatterns: list = []
