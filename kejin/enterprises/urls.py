"""Pages of the enterprises app."""

from django.urls import path

from kejin.enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list_view, name="list"),
    path("export.xlsx", views.enterprise_export_view, name="export"),
    path("mine/", views.enterprise_mine_view, name="mine"),
    path("new/", views.enterprise_create_view, name="create"),
    path("<int:pk>/", views.enterprise_detail_view, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit_view, name="edit"),
]
