"""The platform's URLs plus the plain Django baseline views the API is measured against."""

from django.urls import path

from bench import plain_views
from config.urls import urlpatterns as platform_urlpatterns

urlpatterns = [
    path(
        "bench/plain/enterprises/", plain_views.enterprise_list, name="bench-plain-enterprise-list"
    ),
    path(
        "bench/plain/enterprises/<int:pk>/",
        plain_views.enterprise_detail,
        name="bench-plain-enterprise-detail",
    ),
    *platform_urlpatterns,
]
