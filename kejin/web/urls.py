"""Pages of the web shell: the role home page (and the icon browsers ask for by default)."""

from django.urls import path

from kejin.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
]
