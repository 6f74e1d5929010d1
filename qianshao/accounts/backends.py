from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from qianshao.accounts.logins import account_for


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with a username or with the mobile number of the user's person
    (``logins.account_for`` decides which account a login names)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        user = account_for(username)
        if user is None:
            get_user_model()().set_password(password)  # spend the same time as a real check
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
