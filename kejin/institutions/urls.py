"""Pages of the institutions app."""

app_name = "institutions"
urlpatterns = []
