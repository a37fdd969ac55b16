"""The role home pages."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    """The home page made for the user's role."""
    return render(request, "web/home.html", {})
