from django.urls import path

from qianshao.warnings import views_cap

urlpatterns = [
    path("warnings/import/", views_cap.cap_import, name="warning-cap-import"),
]
