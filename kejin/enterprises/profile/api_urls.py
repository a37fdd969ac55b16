"""API routes of an enterprise's profile, included under ``/api/v1/``."""

from django.urls import path

from kejin.enterprises.profile import api

urlpatterns = [
    path(
        "enterprises/<int:pk>/facts/",
        api.EnterpriseFactsListView.as_view(),
        name="api-enterprise-facts",
    ),
    path(
        "enterprises/<int:pk>/facts/<int:year>/",
        api.EnterpriseFactsYearView.as_view(),
        name="api-enterprise-facts-year",
    ),
    path(
        "enterprises/<int:pk>/certificates/",
        api.EnterpriseCertificateListView.as_view(),
        name="api-enterprise-certificates",
    ),
    path(
        "enterprises/<int:pk>/certificates/<int:certificate_id>/",
        api.EnterpriseCertificateDetailView.as_view(),
        name="api-enterprise-certificate-detail",
    ),
    path(
        "enterprises/<int:pk>/recognition/",
        api.EnterpriseRecognitionView.as_view(),
        name="api-enterprise-recognition",
    ),
]
