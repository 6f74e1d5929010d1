from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qianshao.accounts.actions import create_login as create_login_action
from qianshao.accounts.forms import LoginForm
from qianshao.grid.access import access_person
from qianshao.grid.forms import CreateLoginForm
from qianshao.lib.errors import ActionError


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def locked_out(request, credentials=None, *args, **kwargs):
    """What a locked-out login attempt gets (django-axes calls this)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("登录失败次数过多，请 %(m)s 分钟后再试。") % {"m": minutes}
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "accounts/locked.html", {"message": message}, status=429)


@require_POST
def create_login(request, person_id):
    """Give a person on the grid a login (the form on their page, grid/person.html)."""
    person = access_person(request.user, person_id)
    form = CreateLoginForm(request.POST)
    if form.is_valid():
        try:
            create_login_action(request.user, person, **form.cleaned_data)
            messages.success(request, _("已为 %(n)s 开通账号") % {"n": person.name})
        except ActionError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, form.errors.as_text())
    return redirect("person", person_id=person.pk)
