"""The risks' points pages."""

urlpatterns: list = []
