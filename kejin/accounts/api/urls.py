"""API routes of the accounts app."""

from django.urls import path

from kejin.accounts.api import views

urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="api-auth-token"),
    path("auth/me/", views.MeView.as_view(), name="api-auth-me"),
]
