"""The resources area's pages, one module per part."""

from django.urls import include, path

urlpatterns = [
    path("", include("qianshao.resources.urls_forces")),
    path("", include("qianshao.resources.urls_kits")),
    path("", include("qianshao.resources.urls_supplies")),
    path("", include("qianshao.resources.urls_shelters")),
]
