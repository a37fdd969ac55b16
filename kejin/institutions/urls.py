"""Pages of the institutions app."""

from django.urls import path

from kejin.institutions import views

app_name = "institutions"
urlpatterns = [
    path("", views.institution_list_view, name="list"),
    path("new/", views.institution_create_view, name="create"),
    path("<int:pk>/", views.institution_detail_view, name="detail"),
    path("<int:pk>/edit/", views.institution_edit_view, name="edit"),
]
