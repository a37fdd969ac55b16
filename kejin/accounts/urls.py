"""Sign-in, sign-out and password change pages (Django's auth views, our templates).

Sign-out is POST only (Django's LogoutView); the user menu in base.html posts to it.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from kejin.accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]
