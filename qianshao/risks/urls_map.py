"""The risks' map pages: the 四色图 (the area's front page)."""

from django.urls import path

from qianshao.risks import views_map

urlpatterns = [
    path("risks/", views_map.fourcolour_page, name="risks"),
]
