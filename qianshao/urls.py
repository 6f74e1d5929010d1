from django.contrib import admin
from django.urls import include, path

from qianshao.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("qianshao.accounts.urls")),
    path("", include("qianshao.grid.urls")),
    path("", include("qianshao.notify.urls")),
    path("", include("qianshao.hazards.urls")),
    path("", include("qianshao.warnings.urls")),
    path("", include("qianshao.warnings.urls_cap")),
    path("", include("qianshao.disasters.urls")),
    path("", include("qianshao.disasters.urls_reports")),
    path("", include("qianshao.resources.urls")),
    path("", include("qianshao.risks.urls")),
    path("", include("qianshao.incidents.urls")),
    path("", include("qianshao.ops.urls")),
    path("", include("qianshao.web.urls")),
]

# a busy database raised outside a view answers 503 too (lib/busy.py)
handler500 = "qianshao.lib.busy.server_error"
