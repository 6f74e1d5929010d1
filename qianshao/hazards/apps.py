from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "qianshao.hazards"
    label = "hazards"
    verbose_name = _("隐患")

    def ready(self):
        from qianshao.hazards import origins, signals  # noqa: F401
