"""Pages of financing: matching (see kejin/financing/urls.py)."""

urlpatterns: list = []
