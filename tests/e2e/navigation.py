"""Browser helpers shared by the journeys: following the main menu as a user does."""

from __future__ import annotations


def nav(page, label: str) -> None:
    """Open the menu entry ``label``: a top-level link, or an entry of a group's dropdown
    (the group is opened first, as a user would)."""
    menu = page.locator("#main-nav")
    link = menu.get_by_role("link", name=label, exact=True, include_hidden=True).first
    if not link.is_visible():
        entry = page.get_by_role("link", name=label, exact=True, include_hidden=True)
        menu.locator("li.dropdown").filter(has=entry).locator(".dropdown-toggle").click()
    link.click()
