from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarningsConfig(AppConfig):
    name = "qianshao.warnings"
    label = "warnings"
    verbose_name = _("预警")

    def ready(self):
        from qianshao.warnings import fanouts, origins, signals  # noqa: F401
