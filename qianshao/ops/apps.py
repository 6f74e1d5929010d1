from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running the platform for years: backups and restores, the worker's and the jobs'
    health (``qianshao status``, ``/readyz``, ``/metrics``) and the alerts when one stops."""

    name = "qianshao.ops"
    verbose_name = _("运行维护")
