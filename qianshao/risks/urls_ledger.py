"""The risks' ledger pages: the census import and the risk and hazard ledger."""

from django.urls import path

from qianshao.risks import views_ledger as views

urlpatterns = [
    path("risks/import/", views.point_import, name="risks-import"),
    path("risks/import/template.xlsx", views.import_template, name="risks-import-template"),
    path("risks/ledger.xlsx", views.ledger_export, name="risks-ledger"),
]
