from django.urls import path

from qianshao.web import maps, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("map/layers/", maps.layer_list, name="map-layers"),
    path("map/layers/<str:name>.geojson", maps.layer_geojson, name="map-layer"),
]
