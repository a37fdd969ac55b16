"""Pages of financing matchmaking under /financing/, one module per part."""

from django.urls import include, path

app_name = "financing"

urlpatterns = [
    path("", include("kejin.financing.urls_products")),
    path("", include("kejin.financing.urls_matching")),
    path("", include("kejin.financing.urls_demands")),
    path("", include("kejin.financing.urls_monitoring")),
    path("", include("kejin.financing.urls_loans")),
]
