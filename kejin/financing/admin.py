"""Financing in the Django admin, one module per part (read only: services own the writes)."""

from kejin.financing import admin_products  # noqa: F401
