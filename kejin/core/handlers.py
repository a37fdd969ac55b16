"""Site-wide error handlers: API paths answer in the API's error shape, pages as pages."""

from django.http import JsonResponse
from django.views import defaults

from kejin.core.errors import ApplicationError


def page_not_found(request, exception):
    """404 for a URL no route matches: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(ApplicationError.not_found().as_dict(), status=404)
    return defaults.page_not_found(request, exception)
