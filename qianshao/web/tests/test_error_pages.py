"""Every error a browser can meet is the platform's own Chinese page, never a blank or
Django's English one."""

from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.views.defaults import permission_denied


def test_an_unknown_address_is_the_chinese_404_page(cast, client_for):
    response = client_for(cast.users["county"]).get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "未找到" in page
    assert "Page not found" not in page and "URLconf" not in page


def test_opening_a_form_address_directly_is_a_405_page_not_a_blank(cast, client_for):
    client = client_for(cast.users["township"])
    for url in ["/logout/", "/inbox/read-all/", "/grid/450901100201/assign/"]:
        response = client.get(url)
        assert response.status_code == 405, url
        assert "GET" not in response["Allow"]
        assert "只接受表单提交" in response.content.decode(), url


def test_a_405_under_the_api_stays_json(cast, client_for):
    response = client_for(cast.users["county"]).put("/api/v1/cells")
    assert response.status_code == 405
    assert "只接受表单提交" not in response.content.decode()


def test_a_refusal_with_a_reason_shows_the_reason(cast):
    request = RequestFactory().get("/warnings/new/")
    request.user = cast.users["department"]
    response = permission_denied(request, PermissionDenied("发布预警需要调度员职务"))
    assert response.status_code == 403
    assert "发布预警需要调度员职务" in response.content.decode()


def test_a_refusal_without_a_reason_says_so_in_chinese(cast):
    request = RequestFactory().get("/")
    request.user = cast.users["department"]
    response = permission_denied(request, PermissionDenied())
    assert "您无权进行此操作。" in response.content.decode()


def test_a_form_whose_csrf_check_fails_is_a_chinese_page(cast):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "village", "password": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "页面已过期" in page
    assert "CSRF verification failed" not in page
