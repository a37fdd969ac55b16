"""API of the policies module: funds."""

urlpatterns: list = []
