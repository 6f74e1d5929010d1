"""Pages for the answers Django sends without a body of its own (405 Method Not Allowed).

404, 403, 400 and 500 use the templates of the same name; a 405 from ``require_POST`` and
its kin is an empty response, which a browser shows as a blank page. The API under /api/
answers in JSON and is left alone.
"""

from django.template.loader import render_to_string


class MethodNotAllowedPage:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not response.content
            and not request.path_info.startswith("/api/")
        ):
            response.content = render_to_string("405.html", request=request)
            response["Content-Type"] = "text/html; charset=utf-8"
        return response
