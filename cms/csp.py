"""Which Content Security Policy a response carries: enforced on the site, reported in the admin.

Every page people read (Wagtail's pages, My mentoring, enrolment and
self-match, sign-in, search, the error pages) enforces
``CONTENT_SECURITY_POLICY``: scripts and styles come from the site itself or
carry the request's nonce, and nothing else runs. The Wagtail admin renders
inline scripts, styles and style attributes of its own that this policy would
block, so under the admin's prefix the enforcing policy is left off and
``CONTENT_SECURITY_POLICY_REPORT_ONLY`` is sent instead: the browser reports
what it would block and blocks nothing.
"""

from csp.middleware import CSPMiddleware, PolicyParts
from django.urls import reverse


def in_admin(request) -> bool:
    return request.path.startswith(reverse("wagtailadmin_home"))


class PolicyByPathMiddleware(CSPMiddleware):
    """django-csp's middleware, sending one policy per path: enforced, or in the admin reported."""

    def get_policy_parts(self, request, response, report_only=False):
        if report_only != in_admin(request):
            # An empty policy: django-csp then sends no header of this kind.
            return PolicyParts(config={})
        return super().get_policy_parts(request, response, report_only=report_only)
