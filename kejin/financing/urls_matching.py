"""Pages of financing: matching (see kejin/financing/urls.py)."""

from django.urls import path

from kejin.financing import views_matching as views

urlpatterns: list = [
    path("demands/<int:pk>/matches/", views.demand_matches_view, name="demand_matches"),
    path("products/for-me/", views.products_for_me_view, name="products_for_me"),
    path("products/<int:pk>/fit/", views.product_fit_view, name="product_fit"),
    path("products/<int:pk>/fit.csv", views.product_fit_csv_view, name="product_fit_csv"),
    path("products/<int:pk>/leads/", views.lead_push_view, name="lead_push"),
]
