"""The resources area's pages, one module per part."""

from django.urls import include, path

from qianshao.resources import views_readiness

urlpatterns = [
    path("resources/", views_readiness.readiness_page, name="resources"),
    path("", include("qianshao.resources.urls_forces")),
    path("", include("qianshao.resources.urls_kits")),
    path("", include("qianshao.resources.urls_supplies")),
    path("", include("qianshao.resources.urls_shelters")),
]
