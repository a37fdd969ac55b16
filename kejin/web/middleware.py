"""The interface language: Simplified Chinese unless the user picked another one."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class PlatformLanguageMiddleware:
    """Activates the language chosen with the menu's switch (Django's language cookie), else
    ``settings.LANGUAGE_CODE`` (zh-hans). Unlike Django's LocaleMiddleware it ignores the
    browser's Accept-Language: a government platform speaks Chinese first, whatever the
    language of the machine's browser, and English is an explicit choice."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        # override, not activate: the thread's language is restored after the response.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
