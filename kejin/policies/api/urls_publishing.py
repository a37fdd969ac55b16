"""API of the policies module: publishing."""

urlpatterns: list = []
