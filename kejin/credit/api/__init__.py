"""The credit module's API (under /api/v1/credit/)."""
