"""The shelters part's pages."""

from django.urls import path

from qianshao.resources import views_shelters as views

urlpatterns = [
    path("resources/shelters/", views.shelter_list, name="resources-shelters"),
    path("resources/shelters/new/", views.shelter_new, name="resources-shelter-new"),
    path("resources/shelters/coverage/", views.coverage, name="resources-coverage"),
    path("resources/shelters/ledger.xlsx", views.ledger, name="resources-shelter-ledger"),
    path("resources/shelters/import/", views.shelter_import, name="resources-shelter-import"),
    path("resources/shelters/<int:shelter_id>/", views.shelter_page, name="resources-shelter"),
    path(
        "resources/shelters/<int:shelter_id>/edit/",
        views.shelter_edit,
        name="resources-shelter-edit",
    ),
    path(
        "resources/shelters/<int:shelter_id>/step/<str:step>/",
        views.shelter_step,
        name="resources-shelter-step",
    ),
    path("resources/routes/new/", views.route_new, name="resources-route-new"),
    path("resources/routes/<int:route_id>/", views.route_page, name="resources-route"),
    path("resources/routes/<int:route_id>/edit/", views.route_edit, name="resources-route-edit"),
    path(
        "resources/routes/<int:route_id>/delete/",
        views.route_delete,
        name="resources-route-delete",
    ),
    path("resources/households/", views.household_list, name="resources-households"),
    path("resources/households/new/", views.household_new, name="resources-household-new"),
    path(
        "resources/households/<int:household_id>/edit/",
        views.household_edit,
        name="resources-household-edit",
    ),
    path(
        "resources/households/<int:household_id>/delete/",
        views.household_delete,
        name="resources-household-delete",
    ),
    path("resources/evacuation/<str:code>/", views.evacuation_map, name="resources-evacuation"),
    # the public page of a village's open shelters, opened from its evacuation map's QR
    path("s/<str:code>/", views.public_shelters, name="resources-public-shelters"),
]
