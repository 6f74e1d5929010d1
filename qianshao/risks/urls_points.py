"""The risks' points pages: points, 三清单, the notice board and the public pages."""

from django.urls import path

from qianshao.risks import views_points as views

urlpatterns = [
    path("risks/points/", views.point_list, name="risks-points"),
    path("risks/points/new/", views.point_new, name="risks-point-new"),
    path("risks/points/<int:point_id>/", views.point_page, name="risks-point"),
    path("risks/points/<int:point_id>/edit/", views.point_edit, name="risks-point-edit"),
    path("risks/points/<int:point_id>/regrade/", views.point_regrade, name="risks-point-regrade"),
    path(
        "risks/points/<int:point_id>/measures/",
        views.point_measures,
        name="risks-point-measures",
    ),
    path(
        "risks/points/<int:point_id>/step/<str:step>/",
        views.point_step,
        name="risks-point-step",
    ),
    path("risks/points/<int:point_id>/board/", views.point_board, name="risks-point-board"),
    path("risks/lists/", views.lists_page, name="risks-lists"),
    path("risks/lists.xlsx", views.lists_xlsx, name="risks-lists-xlsx"),
    # the public pages: a published point's (its notice board's QR), a county's red risks
    path("public/risks/p/<uuid:public_key>/", views.public_point, name="risks-public-point"),
    path("public/risks/<str:code>/", views.public_county, name="risks-public"),
]
