"""Pages of the policies module: publishing."""

urlpatterns: list = []
