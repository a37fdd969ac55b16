"""The financing API under /api/v1/financing/, one module per part."""

from django.urls import include, path

urlpatterns = [
    path("financing/", include("kejin.financing.api.urls_products")),
    path("financing/", include("kejin.financing.api.urls_matching")),
    path("financing/", include("kejin.financing.api.urls_demands")),
    path("financing/", include("kejin.financing.api.urls_monitoring")),
    path("financing/", include("kejin.financing.api.urls_loans")),
]
