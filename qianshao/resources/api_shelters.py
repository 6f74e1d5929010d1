"""The shelters part's endpoints under /api/v1/resources/ (none yet)."""

from ninja import Router

router = Router(tags=["resources"])
