from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "qianshao.resources"
    label = "resources"
    verbose_name = _("应急资源")

    def ready(self):
        from qianshao.resources import signals  # noqa: F401
