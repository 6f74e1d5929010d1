from django.urls import path

from qianshao.hazards import views_locate
from qianshao.hazards import views_public as views

urlpatterns = [
    # The public: no login.
    path("report/", views.report_page, name="public-report"),
    path("report/locate/", views_locate.public_locate, name="public-locate"),
    path("report/track/", views.track, name="public-track"),
    path("report/track/<str:tracking_code>/", views.track_code, name="public-track-code"),
    # Staff: scoped to the reports' cells.
    path("hazards/public/", views.public_list, name="public-list"),
    path("hazards/public/<str:tracking_code>/", views.public_detail, name="public-detail"),
    path("hazards/public/<str:tracking_code>/accept/", views.public_accept, name="public-accept"),
    path("hazards/public/<str:tracking_code>/reject/", views.public_reject, name="public-reject"),
    path("hazards/public/<str:tracking_code>/reward/", views.public_reward, name="public-reward"),
    path(
        "hazards/public/<str:tracking_code>/photos/<str:token>/",
        views.public_photo,
        name="public-photo",
    ),
    path("hazards/rewards/", views.rewards, name="public-rewards"),
]
