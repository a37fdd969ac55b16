"""Pages of financing: products and leads (see kejin/financing/urls.py)."""

from django.urls import path

from kejin.financing import views_products as views

urlpatterns: list = [
    path("products/", views.product_list_view, name="product_list"),
    path("products/new/", views.product_create_view, name="product_create"),
    path("products/review/", views.product_review_queue_view, name="product_review_queue"),
    path("products/<int:pk>/", views.product_detail_view, name="product_detail"),
    path("products/<int:pk>/edit/", views.product_edit_view, name="product_edit"),
    path("products/<int:pk>/submit/", views.product_submit_view, name="product_submit"),
    path("products/<int:pk>/withdraw/", views.product_withdraw_view, name="product_withdraw"),
    path("products/<int:pk>/approve/", views.product_approve_view, name="product_approve"),
    path("products/<int:pk>/return/", views.product_return_view, name="product_return"),
    path("leads/", views.lead_list_view, name="lead_list"),
    path("leads/<int:pk>/mark/", views.lead_mark_view, name="lead_mark"),
]
