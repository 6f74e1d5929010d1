from django.urls import path

from qianshao.notify import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:item_id>/read/", views.read, name="inbox-read"),
    path("inbox/read-all/", views.read_all, name="inbox-read-all"),
]
