"""Settings for the benchmark server: the platform's settings plus the plain baseline views."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
