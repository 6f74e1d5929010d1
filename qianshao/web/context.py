from django.conf import settings

from qianshao.grid.permissions import management_scope


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
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
