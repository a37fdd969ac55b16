"""Pages of the core app."""

app_name = "core"
urlpatterns = []
