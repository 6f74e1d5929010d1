from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "qianshao.incidents"
    label = "incidents"
    verbose_name = _("突发事件")

    def ready(self):
        from qianshao.incidents import origins, signals  # noqa: F401
