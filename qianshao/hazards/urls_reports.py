from django.urls import path

from qianshao.hazards import views_reports as views

urlpatterns = [
    path("hazards/stats/", views.stats, name="hazard-stats"),
    path("hazards/stats.xlsx", views.stats_download, name="hazard-stats-xlsx"),
    path("hazards/monthly/", views.monthly, name="hazard-monthly"),
    path("hazards/monthly.xlsx", views.monthly_download, name="hazard-monthly-xlsx"),
]
