"""The kits part's pages."""

from django.urls import path

from qianshao.resources import views_kits

urlpatterns = [
    path("resources/kits/", views_kits.completeness, name="kit-completeness"),
    path("resources/kits/cards/<int:card_id>/", views_kits.card_page, name="kit-card"),
    path("resources/kits/cards/<int:card_id>/issue/", views_kits.issue, name="kit-issue"),
    path(
        "resources/kits/items/<int:item_id>/<str:step>/",
        views_kits.item_step,
        name="kit-item-step",
    ),
]
