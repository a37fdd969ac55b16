"""Pages of financing: demands (see kejin/financing/urls.py)."""

urlpatterns: list = []
