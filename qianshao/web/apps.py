from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "qianshao.web"
    label = "web"
    verbose_name = _("页面")

    def ready(self):
        from django.contrib import admin

        admin.site.site_header = admin.site.site_title = _("前哨 管理后台")
        admin.site.index_title = _("数据维护")
        _name_models_in_chinese()
        autodiscover_modules("panels")  # each area registers what it adds to the pages
        # not sender=self: migrate signals only the apps that have models, and this has none
        post_migrate.connect(_cache_table, dispatch_uid="qianshao.web.cache_table")
        # the last app to be made ready: the URLs (every view, the API's schemas) are
        # loaded now rather than by the first request or the system checks, and all that
        # startup loaded is kept out of every later collection's walk (lib/heap.py;
        # docs/adr/0036)
        from django.urls import get_resolver

        from qianshao.lib.heap import keep_startup_objects

        get_resolver().url_patterns  # noqa: B018 (imports the URLconf)
        keep_startup_objects()


# django-axes ships no Chinese: its app and models are named here for the admin.
AXES_NAMES = {
    "accessattempt": (_("登录失败记录"), _("登录失败记录")),
    "accesslog": (_("登录记录"), _("登录记录")),
    "accessfailurelog": (_("登录失败日志"), _("登录失败日志")),
}


def _name_models_in_chinese():
    from django.apps import apps

    if not apps.is_installed("axes"):
        return
    config = apps.get_app_config("axes")
    config.verbose_name = _("登录防护")
    for model in config.get_models():
        names = AXES_NAMES.get(model._meta.model_name)
        if names:
            model._meta.verbose_name, model._meta.verbose_name_plural = names


def _cache_table(sender, using="default", verbosity=1, **kwargs):
    """Every `migrate` also makes the database cache's table (the rate limits keep their
    counts there unless QIANSHAO_CACHE_URL names Redis); it does nothing if it exists, so
    being called once per app costs one look at the schema each."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
