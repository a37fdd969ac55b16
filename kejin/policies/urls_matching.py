"""Pages of the policies module: matching."""

urlpatterns: list = []
