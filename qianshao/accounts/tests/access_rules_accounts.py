"""Access rules of one's own account page and tokens, merged into the grid's tables by
``qianshao.testing.area_rule_modules``: each reaches the user's own tokens only."""

from qianshao.accounts.actions import issue_token
from qianshao.accounts.models import ApiToken

PAGE_RULES = {
    "account/": "own",
    "account/password/": "own",
    "account/tokens/<int:token_id>/revoke/": "own",
}

API_RULES = {
    ("GET", "/api/v1/auth/tokens"): "own",
    ("DELETE", "/api/v1/auth/tokens/{token_id}"): "own",
}


def state():
    return list(ApiToken.objects.order_by("pk").values_list("pk", "revoked_at"))


def outsider_pages(cast) -> dict:
    """The outsider tries to revoke the county's token: 404, and it stays usable."""
    _raw, token = issue_token(cast.users["county"])
    return {
        "account/": [],  # shows only the outsider's own tokens (test_tokens_revocation)
        "account/password/": [],  # the outsider's own password only
        "account/tokens/<int:token_id>/revoke/": [
            ("post", f"/account/tokens/{token.pk}/revoke/", {}, 404)
        ],
    }


def outsider_api(cast) -> dict:
    _raw, token = issue_token(cast.users["county"])
    return {
        ("GET", "/api/v1/auth/tokens"): [],  # own tokens only (test_tokens_revocation)
        ("DELETE", "/api/v1/auth/tokens/{token_id}"): [(f"/api/v1/auth/tokens/{token.pk}", None)],
    }
