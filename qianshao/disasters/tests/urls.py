"""The project's URLs with the report pages, for the report tests to run before the project
includes ``qianshao.disasters.urls_reports`` itself (then this adds nothing new)."""

from django.urls import include, path

from qianshao.urls import urlpatterns as project

urlpatterns = [path("", include("qianshao.disasters.urls_reports")), *project]
