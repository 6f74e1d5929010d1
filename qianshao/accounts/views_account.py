"""The user's own account page: their API tokens (revoke any) and their password."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qianshao.accounts.actions import revoke_token
from qianshao.accounts.api import own_tokens
from qianshao.lib.errors import ActionError


def account(request):
    tokens = own_tokens(request.user)[:200]
    return render(request, "accounts/account.html", {"tokens": tokens, "now": timezone.now()})


@require_POST
def revoke(request, token_id):
    token = own_tokens(request.user).filter(pk=token_id).first()
    if token is None:
        raise Http404(token_id)
    try:
        revoke_token(request.user, token)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已吊销令牌 %(p)s…") % {"p": token.prefix})
    return redirect("account")


class PasswordChange(auth_views.PasswordChangeView):
    """Change one's own password; the session stays, every API token is revoked."""

    template_name = "accounts/password.html"
    success_url = reverse_lazy("account")

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"label_suffix": ""}  # as every page's form

    def form_valid(self, form):
        answer = super().form_valid(form)
        messages.success(self.request, _("密码已更改；此前发放的接口令牌已全部吊销。"))
        return answer
