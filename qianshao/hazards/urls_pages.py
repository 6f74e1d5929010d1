from django.urls import path, register_converter

from qianshao.hazards import (
    views,
    views_detail,
    views_locate,
    views_phone,
    views_steps,
    views_supervision,
)


class NumberConverter:
    """A hazard number (YH + date + suffix), so that other pages under /hazards/ are free."""

    regex = "YH[0-9A-Z]{6,22}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class TokenConverter:
    regex = "[0-9a-f]{32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(NumberConverter, "hazard")
register_converter(TokenConverter, "photo")

urlpatterns = [
    path("hazards/", views.hazard_list, name="hazards"),
    path("hazards/supervision/", views_supervision.board, name="hazard-supervision"),
    path(
        "hazards/supervision/<int:supervision_id>/answer/",
        views_supervision.answer,
        name="hazard-supervision-answer",
    ),
    path("hazards/photos/<photo:photo_token>.jpg", views.photo, name="hazard-photo"),
    path("hazards/<hazard:number>/", views_detail.hazard_page, name="hazard"),
    path("hazards/<hazard:number>/<str:step>/", views_steps.take_step, name="hazard-step"),
    path("m/report/", views_phone.report, name="hazard-report"),
    path("m/report/locate/", views_locate.locate_point, name="hazard-locate"),
    path("m/mine/", views_phone.mine, name="hazard-mine"),
    path("m/tasks/", views_phone.tasks, name="hazard-tasks"),
]
