"""URL map: pages, the API under /api/v1/, its schema and docs, the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("config.api_urls")),
    path("accounts/", include("kejin.accounts.urls")),
    path("enterprises/imports/", include("kejin.enterprises.imports.urls")),
    path("enterprises/", include("kejin.enterprises.urls")),
    path("enterprises/", include("kejin.enterprises.profile.urls")),
    path("registry/", include("kejin.registry.urls")),
    path("credit/", include("kejin.credit.urls")),
    path("institutions/", include("kejin.institutions.urls")),
    path("financing/", include("kejin.financing.urls")),
    path("policies/", include("kejin.policies.urls")),
    path("notifications/", include("kejin.notifications.urls")),
    path("system/", include("kejin.core.urls")),
    path("", include("kejin.web.urls")),
]

handler400 = "kejin.core.handlers.bad_request"
handler403 = "kejin.core.handlers.permission_denied"
handler404 = "kejin.core.handlers.page_not_found"
handler500 = "kejin.core.handlers.server_error"
