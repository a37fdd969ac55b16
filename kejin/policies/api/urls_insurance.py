"""API of the policies module: insurance."""

urlpatterns: list = []
