from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchConfig(AppConfig):
    name = "qianshao.bench"
    label = "bench"
    verbose_name = _("基准测试")
