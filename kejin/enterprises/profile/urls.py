"""Pages of an enterprise's profile, included under ``/enterprises/`` (namespace ``profile``)."""

from django.urls import path

from kejin.enterprises.profile import views

app_name = "profile"
urlpatterns = [
    path("<int:pk>/facts/", views.facts_section_view, name="facts"),
    path("<int:pk>/facts/add/", views.facts_add_view, name="facts_add"),
    path("<int:pk>/facts/<int:year>/edit/", views.facts_edit_view, name="facts_edit"),
    path("<int:pk>/certificates/", views.certificates_section_view, name="certificates"),
    path("<int:pk>/certificates/new/", views.certificate_create_view, name="certificate_create"),
    path(
        "<int:pk>/certificates/<int:certificate_id>/edit/",
        views.certificate_edit_view,
        name="certificate_edit",
    ),
    path(
        "<int:pk>/certificates/<int:certificate_id>/delete/",
        views.certificate_delete_view,
        name="certificate_delete",
    ),
    path("<int:pk>/recognition/", views.recognition_section_view, name="recognition"),
]
