from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with a username or with the mobile number of the user's person."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        model = get_user_model()
        login = username.strip()
        # An exact username wins, so one person's username never opens another's account
        # whose phone number it happens to be.
        user = (
            model.objects.filter(username=login).first()
            or model.objects.filter(person__phone=login).first()
        )
        if user is None:
            model().set_password(password)  # spend the same time as a real check
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
