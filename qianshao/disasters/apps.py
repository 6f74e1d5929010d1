from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisastersConfig(AppConfig):
    name = "qianshao.disasters"
    label = "disasters"
    verbose_name = _("灾情报送")

    def ready(self):
        from qianshao.disasters import origins, signals  # noqa: F401
