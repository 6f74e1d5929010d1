from django.urls import path, register_converter

from qianshao.warnings import views, views_board, views_phone


class NumberConverter:
    """A warning number (YJ + date + suffix), so that other pages under /warnings/ are free."""

    regex = "YJ[0-9A-Z]{6,22}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class TokenConverter:
    """What may be a one-tap answer token (the delivery id in base 36, a dash, 16 characters
    of MAC): anything up to the next slash, so that a link garbled or cut short by a phone
    reaches the page that says it is invalid (``links.delivery_id_of`` tells)."""

    regex = "[^/]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(NumberConverter, "warning")
register_converter(TokenConverter, "answer_token")

urlpatterns = [
    path("warnings/", views.warning_list, name="warnings"),
    path("warnings/new/", views.warning_new, name="warning-new"),
    path("warnings/<warning:warning_number>/", views.warning_page, name="warning"),
    path("warnings/<warning:warning_number>/board/", views_board.board_page, name="warning-board"),
    path("warnings/<warning:warning_number>/revise/", views.revise, name="warning-revise"),
    path("warnings/<warning:warning_number>/edit/", views.edit, name="warning-edit"),
    path("warnings/<warning:warning_number>/relay/", views.relay, name="warning-relay"),
    path("warnings/<warning:warning_number>/<str:step>/", views.take_step, name="warning-step"),
    path("m/warnings/", views_phone.mine, name="warning-mine"),
    path("m/warnings/<warning:warning_number>/", views_phone.answer_page, name="warning-answer"),
    path("w/<answer_token:answer_token>", views_phone.link_page, name="warning-link"),
]
