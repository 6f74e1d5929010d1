from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "qianshao.accounts"
    label = "accounts"
    verbose_name = _("账号")

    def ready(self):
        from qianshao.accounts import signals  # noqa: F401
