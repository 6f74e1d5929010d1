from django.conf import settings

from qianshao.grid.permissions import management_scope
from qianshao.grid.posts import overseeing_posts, works_above_field
from qianshao.ops import alerts
from qianshao.web.nav import links, phone_bar


def site(request):
    unread, manages = 0, False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        unread = user.inbox.filter(read_at__isnull=True).count()
        scope = management_scope(user)
        manages = scope.everything or bool(scope.paths)
    return {
        "unread_count": unread,
        "manages_grid": manages,
        # the top bar, built only by the pages that show it (base.html, when logged in)
        "nav": lambda: links(request, unread),
        "phone_bar": lambda: phone_bar(request, unread),
        # read only by pages that show it (a callable in the context is called when used)
        "may_issue": lambda: _may_issue(user),
        # the overviews (督办, the report pages) in the areas' own links, as in the top bar
        "above_field": lambda: user is not None and works_above_field(user),
        # the open alerts (ops.alerts), to superusers and the top cells' dispatchers only
        "ops_alerts": lambda: alerts.banner(user),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }


def _may_issue(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or bool(overseeing_posts(user))
