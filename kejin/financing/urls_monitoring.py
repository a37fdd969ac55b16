"""Pages of financing: monitoring (see kejin/financing/urls.py)."""

urlpatterns: list = []
