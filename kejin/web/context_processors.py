"""Template context shared by every page: the role-aware navigation.

``nav_url_names`` lets a page link to another only when the menu offers it (a breadcrumb's
"企业名录"), so templates never decide by role themselves.
"""

from kejin.web.navigation import navigation_for, navigation_groups


def navigation(request):
    items = navigation_for(getattr(request, "user", None))
    return {
        "nav_items": items,
        "nav_groups": navigation_groups(items),
        "nav_url_names": frozenset(item.url_name for item in items),
    }
