"""API of financing: products and leads (see kejin/financing/api/urls.py)."""

from django.urls import path

from kejin.financing.api import views_products as api

urlpatterns: list = [
    path("products/", api.ProductListView.as_view(), name="api-financing-product-list"),
    path(
        "products/<int:pk>/", api.ProductDetailView.as_view(), name="api-financing-product-detail"
    ),
    path(
        "products/<int:pk>/submit/",
        api.ProductSubmitView.as_view(),
        name="api-financing-product-submit",
    ),
    path(
        "products/<int:pk>/approve/",
        api.ProductApproveView.as_view(),
        name="api-financing-product-approve",
    ),
    path(
        "products/<int:pk>/return/",
        api.ProductReturnView.as_view(),
        name="api-financing-product-return",
    ),
    path(
        "products/<int:pk>/withdraw/",
        api.ProductWithdrawView.as_view(),
        name="api-financing-product-withdraw",
    ),
    path("leads/", api.LeadListView.as_view(), name="api-financing-lead-list"),
    path("leads/<int:pk>/mark/", api.LeadMarkView.as_view(), name="api-financing-lead-mark"),
]
