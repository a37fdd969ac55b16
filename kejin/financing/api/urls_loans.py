"""API of financing: loans (see kejin/financing/api/urls.py)."""

urlpatterns: list = []
