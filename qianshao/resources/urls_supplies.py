"""The supplies part's pages."""

from django.urls import path

from qianshao.resources import views_supplies as views

urlpatterns = [
    path("resources/supplies/", views.point_list, name="supplies-points"),
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
]
