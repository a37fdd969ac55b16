"""Project-wide pytest configuration."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests log in a lot; the production hasher's work factor only slows them down."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Sign-in rate limits live in the cache: each test starts with none counted."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
