"""The incidents area's pages."""

from django.urls import path

from qianshao.incidents import views

urlpatterns = [
    path("incidents/", views.incidents, name="incidents"),
    path("incidents/new/", views.new, name="incident-new"),
    path("incidents/<int:incident_id>/", views.incident, name="incident"),
    path("incidents/<int:incident_id>/<str:name>/", views.step, name="incident-step"),
    path("incidents/relays/<int:relay_id>/pass/", views.pass_up, name="incident-pass"),
    path("incidents/orders/", views.mine, name="incident-orders-mine"),
    path("incidents/orders/<int:order_id>/", views.order, name="incident-order"),
    path(
        "incidents/orders/<int:order_id>/<str:name>/",
        views.order_step,
        name="incident-order-step",
    ),
]
