"""Pages of financing: products (see kejin/financing/urls.py)."""

urlpatterns: list = []
