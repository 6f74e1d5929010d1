"""The risks area's pages, one module per part."""

from django.urls import include, path

urlpatterns = [
    path("", include("qianshao.risks.urls_points")),
    path("", include("qianshao.risks.urls_patrols")),
    path("", include("qianshao.risks.urls_map")),
    path("", include("qianshao.risks.urls_ledger")),
]
