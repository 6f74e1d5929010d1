from django.urls import path

from qianshao.disasters import views_reports as views

urlpatterns = [
    path("disasters/completeness/", views.completeness, name="disaster-completeness"),
    path(
        "disasters/completeness.xlsx",
        views.completeness_download,
        name="disaster-completeness-xlsx",
    ),
    path("disasters/statistics/", views.statistics, name="disaster-statistics"),
    path("disasters/statistics.xlsx", views.statistics_download, name="disaster-statistics-xlsx"),
]
