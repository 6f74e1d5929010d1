"""Access rules of the readiness view (应急资源一张表), page and endpoint, merged into the
grid's tables by ``qianshao.testing.area_rule_modules``: the outsider (B县's dispatcher)
asking for A县 or one of its villages gets 404, as for a code that does not exist."""

PAGE_RULES = {"resources/": "scoped"}

API_RULES = {("GET", "/api/v1/resources/readiness"): "scoped"}


def outsider_pages(cast) -> dict:
    return {
        "resources/": [
            ("get", f"/resources/?cell={code}", None, 404)
            for code in ["450901", "450901100201", "NOPE"]
        ]
    }


def outsider_api(cast) -> dict:
    return {
        ("GET", "/api/v1/resources/readiness"): [
            (f"/api/v1/resources/readiness?cell={code}", None) for code in ["450901", "450901100"]
        ]
    }
