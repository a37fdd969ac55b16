"""Pages of the import: included under ``/enterprises/imports/`` with namespace ``imports``."""

from django.urls import path

from kejin.enterprises.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_batch_list_view, name="list"),
    path("new/", views.import_upload_view, name="upload"),
    path("templates/<str:kind>.xlsx", views.import_template_view, name="template"),
    path("<int:pk>/", views.import_batch_detail_view, name="detail"),
    path("<int:pk>/errors.xlsx", views.import_errors_download_view, name="errors"),
]
