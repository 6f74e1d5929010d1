"""The risks' points endpoints under /api/v1/risks/."""

from ninja import Router

router = Router(tags=["risks"])
