from django.urls import include, path

# Pages of each area in their own module.
urlpatterns = [
    path("", include("qianshao.hazards.urls_pages")),
    path("", include("qianshao.hazards.urls_public")),
    path("", include("qianshao.hazards.urls_reports")),
]
