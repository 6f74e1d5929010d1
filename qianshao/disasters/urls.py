from django.urls import path, register_converter

from qianshao.disasters import views, views_disasters, views_phone


class NumberConverter:
    """A disaster report's number (ZQ + date + suffix)."""

    regex = "ZQ[0-9A-Z]{6,22}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(NumberConverter, "disaster")

urlpatterns = [
    path("disasters/board/", views.board, name="zero-board"),
    path("disasters/calendar/", views.calendar_page, name="zero-calendar"),
    path("disasters/zero/<int:report_id>/correct/", views_phone.correct, name="zero-correct"),
    path("disasters/", views_disasters.disaster_list, name="disasters"),
    path("disasters/new/", views_disasters.disaster_new, name="disaster-new"),
    path("disasters/relief/<int:relief_id>/decide/", views_disasters.decide, name="relief-decide"),
    path("disasters/<disaster:disaster_number>/", views_disasters.disaster_page, name="disaster"),
    path("disasters/photos/<str:photo_token>.jpg", views_disasters.photo, name="disaster-photo"),
    path(
        "disasters/<disaster:disaster_number>/<str:step>/",
        views_disasters.take_step,
        name="disaster-step",
    ),
    path("m/zero/", views_phone.zero, name="zero"),
    path("m/zero/file/", views_phone.file_zero, name="zero-file"),
]
