"""The risks' ledger pages."""

urlpatterns: list = []
