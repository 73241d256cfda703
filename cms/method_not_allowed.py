"""A page, not a blank screen, for an address that only takes a form's submission.

Django answers a GET of a POST-only view (``require_POST``) with 405 and an
empty body, which a person who followed or typed such an address sees as a
blank page. The status and its ``Allow`` header stay; the body becomes a short
page in the site's theme saying what happened and where to go. Answers that
carry a body of their own (JSON, a view's own page) are left as they are.
"""

from __future__ import annotations

import logging

from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class MethodNotAllowedPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not getattr(response, "streaming", False)
            and not response.content
        ):
            try:
                page = render_to_string("405.html", request=request)
            except Exception:
                # The page reads the site's theme and navigation: with the database
                # away, the bare 405 is still the right answer.
                logger.warning("The 405 page could not be made for %s", request.path)
                return response
            response.content = page
            response["Content-Type"] = "text/html; charset=utf-8"
        return response
