from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "qianshao.risks"
    label = "risks"
    verbose_name = _("风险管控")

    def ready(self):
        from qianshao.risks import origins, signals  # noqa: F401
