"""API of the policies module: applications."""

urlpatterns: list = []
