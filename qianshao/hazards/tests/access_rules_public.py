"""Access rules of the public report pages (举报), and helpers their tests share.

The public pages need no login; the staff pages reach reports through scope (outside is a
404). See ``qianshao/grid/tests/test_urls_have_access_rules.py`` for what the rules mean.
"""

from datetime import timedelta

from django.utils import timezone

from qianshao.grid.models import Domain
from qianshao.hazards import actions, public
from qianshao.hazards.models import Hazard, Photo, PublicReport, Reward
from qianshao.hazards.tests.conftest import jpeg

PAGE_RULES = {
    "report/": "public",
    "report/locate/": "public",
    "report/track/": "public",
    "report/track/<str:tracking_code>/": "public",
    "hazards/public/": "scoped",
    "hazards/public/<str:tracking_code>/": "scoped",
    "hazards/public/<str:tracking_code>/accept/": "scoped",
    "hazards/public/<str:tracking_code>/reject/": "scoped",
    "hazards/public/<str:tracking_code>/reward/": "scoped",
    "hazards/public/<str:tracking_code>/photos/<str:token>/": "scoped",
    "hazards/rewards/": "scoped",
}
SAMPLE_KWARGS = {"tracking_code": "ABCDEFGHJK", "token": "0" * 32}


def send(cast, *, text="路口燃气管道破损漏气", anonymous=True, photos=1, **kwargs):
    """A public report in 甲镇 through the action, from an address of its own."""
    send.counter += 1
    return public.submit_report(
        text=text,
        cell=kwargs.pop("cell", cast.township),
        anonymous=anonymous,
        photo_files=[(f"p{i}.jpg", jpeg()) for i in range(photos)],
        client_address=kwargs.pop("client_address", f"198.51.100.{send.counter % 250}"),
        **kwargs,
    )


send.counter = 0


def industry() -> Domain:
    return Domain.objects.get(code="industry_trade")


def to_hazard(cast, report, *, grade="major", title="燃气管道漏气"):
    return public.accept_report(
        cast.users["township"],
        report,
        title=title,
        category=industry(),
        grade=grade,
        cell=cast.village,
    )


def close_loop(cast, hazard: Hazard) -> Hazard:
    """Take an accepted hazard through 交办, 整改, 核查 to 销号 by the cast."""
    township, village = cast.users["township"], cast.users["village"]
    h = actions.assign(
        township,
        hazard,
        measures="更换管道",
        responsible=cast.people["village"],
        deadline=timezone.now() + timedelta(days=3),
        contingency="关闭阀门，设置警戒",
        assignee_cell=cast.village,
    )
    h = actions.start(village, h)
    h = actions.submit(village, h, photo_files=[("after.jpg", jpeg())])
    h = actions.verify(cast.users["county"], h)
    return actions.close(township, h)


def rewarded(cast) -> PublicReport:
    """A real-name report in A县 that became a major hazard, closed: its reward proposed."""
    report = send(cast, anonymous=False, name="李四", phone="13912345678")
    close_loop(cast, to_hazard(cast, report))
    report.refresh_from_db()
    return report


def outsider_pages(cast) -> dict:
    """B县's dispatcher against A县's reports: every staff page answers 404."""
    waiting = send(cast)
    done = rewarded(cast)
    photo = waiting.photos.get()
    accept = {"title": "越界", "category": industry().pk, "grade": "general", "cell": "450901100"}
    return {
        "hazards/public/": [],  # a list: shows only the outsider's county, see test_public_staff
        "hazards/public/<str:tracking_code>/": [
            ("get", f"/hazards/public/{code}/", None, 404)
            for code in [waiting.tracking_code, done.tracking_code, "NOPE"]
        ],
        "hazards/public/<str:tracking_code>/accept/": [
            ("post", f"/hazards/public/{waiting.tracking_code}/accept/", accept, 404)
        ],
        "hazards/public/<str:tracking_code>/reject/": [
            ("post", f"/hazards/public/{waiting.tracking_code}/reject/", {"reply": "越界"}, 404)
        ],
        "hazards/public/<str:tracking_code>/reward/": [
            (
                "post",
                f"/hazards/public/{done.tracking_code}/reward/",
                {"status": "approved", "amount": "500"},
                404,
            )
        ],
        "hazards/public/<str:tracking_code>/photos/<str:token>/": [
            ("get", f"/hazards/public/{waiting.tracking_code}/photos/{photo.token}/", None, 404)
        ],
        "hazards/rewards/": [],  # a list: see test_public_staff
    }


def state() -> tuple:
    return (
        list(
            PublicReport.objects.order_by("pk").values_list(
                "pk", "status", "hazard_id", "reply", "triaged_at"
            )
        ),
        list(Reward.objects.order_by("pk").values_list("pk", "status", "amount", "decided_by")),
        list(Photo.objects.order_by("pk").values_list("pk", "hazard_id", "public_report_id")),
        Hazard.objects.count(),
    )
