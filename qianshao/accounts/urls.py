from django.contrib.auth import views as auth_views
from django.urls import path

from qianshao.accounts import views, views_account

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", views_account.account, name="account"),
    path("account/password/", views_account.PasswordChange.as_view(), name="password-change"),
    path("account/tokens/<int:token_id>/revoke/", views_account.revoke, name="token-revoke"),
    path("people/<int:person_id>/login/", views.create_login, name="person-login"),
]
