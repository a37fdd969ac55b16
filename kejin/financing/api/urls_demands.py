"""API of financing: demands (see kejin/financing/api/urls.py)."""

urlpatterns: list = []
