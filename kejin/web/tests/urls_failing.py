"""The platform's URLs plus views that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from config import urls as platform_urls


def refuse(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("test")


def crash(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("failing/403/", refuse),
    path("failing/400/", suspicious),
    path("failing/500/", crash),
    path("api/v1/failing/500/", crash),
    *platform_urls.urlpatterns,
]
handler400 = platform_urls.handler400
handler403 = platform_urls.handler403
handler404 = platform_urls.handler404
handler500 = platform_urls.handler500
