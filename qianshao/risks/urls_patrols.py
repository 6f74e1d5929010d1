"""The risks' patrols pages."""

from django.urls import path

from qianshao.risks import views_patrols as views

urlpatterns = [
    path("risks/patrols/", views.patrol_stats, name="risks-patrols"),
    path("risks/patrols/today/", views.patrol_today, name="risks-patrol-today"),
    path("risks/patrols/<int:patrol_id>/", views.patrol_page, name="risks-patrol"),
    path(
        "risks/patrols/<int:patrol_id>/photos/<int:photo_id>/",
        views.patrol_photo,
        name="risks-patrol-photo",
    ),
    path("risks/points/<int:point_id>/checkin/", views.checkin, name="risks-checkin"),
]
