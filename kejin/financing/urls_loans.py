"""Pages of financing: loans (see kejin/financing/urls.py)."""

urlpatterns: list = []
