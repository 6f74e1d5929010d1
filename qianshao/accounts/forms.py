from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from qianshao.lib.forms import NoColon


class LoginForm(NoColon, AuthenticationForm):
    username = forms.CharField(
        label=_("用户名或手机号"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("用户名（或手机号）与密码不匹配。"),
        "inactive": _("该账号已停用。"),
    }
