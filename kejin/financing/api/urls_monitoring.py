"""API of financing: monitoring (see kejin/financing/api/urls.py)."""

urlpatterns: list = []
