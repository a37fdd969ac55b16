"""Pages of the web shell: the role home page."""

from django.urls import path

from kejin.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
]
