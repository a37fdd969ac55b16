"""API of financing: matching (see kejin/financing/api/urls.py)."""

urlpatterns: list = []
