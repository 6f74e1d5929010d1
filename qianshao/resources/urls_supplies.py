"""The supplies part's pages."""

from django.urls import path

from qianshao.resources import views_supplies as views

urlpatterns = [
    path("resources/supplies/", views.point_list, name="supplies-points"),
    path("resources/supplies/ledger.xlsx", views.cell_ledger_export, name="supplies-cell-ledger"),
    path(
        "resources/supplies/catalogue/import/",
        views.catalogue_import,
        name="supplies-catalogue-import",
    ),
    path(
        "resources/supplies/templates/<str:which>.xlsx",
        views.import_template,
        name="supplies-template",
    ),
    path("resources/supplies/points/new/", views.point_new, name="supplies-point-new"),
    path("resources/supplies/points/<int:point_id>/", views.point_page, name="supplies-point"),
    path(
        "resources/supplies/points/<int:point_id>/ledger.xlsx",
        views.ledger_export,
        name="supplies-ledger-xlsx",
    ),
    path(
        "resources/supplies/points/<int:point_id>/card.xlsx",
        views.card_export,
        name="supplies-card-xlsx",
    ),
    path(
        "resources/supplies/points/<int:point_id>/import/",
        views.stock_import,
        name="supplies-stock-import",
    ),
    path(
        "resources/supplies/points/<int:point_id>/<str:kind>/",
        views.point_action,
        name="supplies-point-action",
    ),
    path("resources/supplies/transfers/", views.transfer_list, name="supplies-transfers"),
    path(
        "resources/supplies/transfers/<int:transfer_id>/",
        views.transfer_page,
        name="supplies-transfer",
    ),
    path(
        "resources/supplies/transfers/<int:transfer_id>/<str:step>/",
        views.transfer_step,
        name="supplies-transfer-step",
    ),
    path("resources/supplies/shortages/", views.shortage_list, name="supplies-shortages"),
    path("resources/supplies/requisitions/", views.requisition_list, name="supplies-requisitions"),
    path(
        "resources/supplies/requisitions/new/",
        views.requisition_new,
        name="supplies-requisition-new",
    ),
    path(
        "resources/supplies/requisitions/<int:requisition_id>/",
        views.requisition_page,
        name="supplies-requisition",
    ),
    path(
        "resources/supplies/requisitions/<int:requisition_id>/<str:step>/",
        views.requisition_step,
        name="supplies-requisition-step",
    ),
    path("resources/supplies/agreements/", views.agreement_list, name="supplies-agreements"),
    path("resources/supplies/agreements/new/", views.agreement_new, name="supplies-agreement-new"),
    path(
        "resources/supplies/agreements/<int:agreement_id>/",
        views.agreement_edit,
        name="supplies-agreement",
    ),
    path("resources/supplies/capacities/", views.capacity_list, name="supplies-capacities"),
    path("resources/supplies/capacities/new/", views.capacity_new, name="supplies-capacity-new"),
    path(
        "resources/supplies/capacities/<int:capacity_id>/",
        views.capacity_edit,
        name="supplies-capacity",
    ),
]
