"""API of financing: matching (see kejin/financing/api/urls.py)."""

from django.urls import path

from kejin.financing.api import matching

urlpatterns: list = [
    path(
        "demands/<int:pk>/matches/",
        matching.DemandMatchesView.as_view(),
        name="api-financing-demand-matches",
    ),
    path(
        "products/for-me/",
        matching.ProductsForMeView.as_view(),
        name="api-financing-products-for-me",
    ),
    path(
        "products/<int:pk>/fit-enterprises/",
        matching.ProductFitEnterprisesView.as_view(),
        name="api-financing-product-fit",
    ),
    path(
        "products/<int:pk>/leads/",
        matching.LeadPushView.as_view(),
        name="api-financing-lead-push",
    ),
]
