from django.contrib.auth.middleware import LoginRequiredMiddleware


class PagesLoginRequired(LoginRequiredMiddleware):
    """Deny every page to anonymous users unless marked ``login_not_required``.

    The API under /api/ is left to its own authentication (bearer token or session),
    which every operation requires unless it declares otherwise.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
