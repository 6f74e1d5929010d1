from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "qianshao.web"
    label = "web"
    verbose_name = _("页面")

    def ready(self):
        autodiscover_modules("panels")  # each area registers what it adds to the pages
        # not sender=self: migrate signals only the apps that have models, and this has none
        post_migrate.connect(_cache_table, dispatch_uid="qianshao.web.cache_table")


def _cache_table(sender, using="default", verbosity=1, **kwargs):
    """Every `migrate` also makes the database cache's table (the rate limits keep their
    counts there unless QIANSHAO_CACHE_URL names Redis); it does nothing if it exists, so
    being called once per app costs one look at the schema each."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
