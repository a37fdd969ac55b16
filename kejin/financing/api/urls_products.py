"""API of financing: products (see kejin/financing/api/urls.py)."""

urlpatterns: list = []
