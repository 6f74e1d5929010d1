"""The risks' map pages."""

urlpatterns: list = []
