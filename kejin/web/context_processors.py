"""Template context shared by every page: the role-aware navigation."""

from kejin.web.navigation import navigation_for


def navigation(request):
    return {"nav_items": navigation_for(getattr(request, "user", None))}
