"""Site-wide views: liveness and readiness checks, search, error pages and policy reports."""

import json
import logging

from csp.exceptions import CSPNonceError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    HttpResponseServerError,
)
from django.template import loader
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from wagtail.models import Page, Site

from content.text import without_control_characters

from .readiness import readiness

SEARCH_PAGE_SIZE = 10
# A violation report is well under a kilobyte; anything much larger is not one.
CSP_REPORT_MAX_BYTES = 16 * 1024
# What a logged report keeps of each field a browser sends, in characters.
CSP_REPORT_FIELD_CHARS = 300

csp_logger = logging.getLogger("trellis.csp")
# The icon browsers ask for at /favicon.ico, among the static files.
FAVICON = "cms/img/favicon.ico"


@never_cache
@require_GET
def healthz(request):
    """A trivial response: proves the process answers, and is the benchmarks' yardstick."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def favicon(request):
    """Where browsers look for an icon on their own: the static one (pages link it too)."""
    return HttpResponseRedirect(static(FAVICON))


@never_cache
@require_GET
def readyz(request):
    """Whether the database, the cache and the task queue answer: 200 if all do, else 503.

    One line per service, ``name: ok`` or ``name: down``. The site keeps
    serving without its cache or queue, so this is for monitoring and deploys;
    a load balancer deciding whether a process lives should ask ``healthz``.
    """
    results = readiness()
    body = "".join(f"{name}: {'ok' if up else 'down'}\n" for name, up in results.items())
    status = 200 if all(results.values()) else 503
    return HttpResponse(body, status=status, content_type="text/plain")


@require_GET
def search(request):
    """Searches the live, public pages of the site the request came to."""
    query = without_control_characters(request.GET.get("q", "")).strip()[:200]
    results = Page.objects.none()
    if any(char.isalnum() for char in query):  # punctuation alone finds nothing
        pages = Page.objects.live().public().specific()
        site = Site.find_for_request(request)
        if site is not None:
            pages = pages.descendant_of(site.root_page, inclusive=True)
        results = pages.search(query)
    paginator = Paginator(results, SEARCH_PAGE_SIZE)
    try:
        page_obj = paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        page_obj = paginator.page(1)
    except EmptyPage:
        page_obj = paginator.page(paginator.num_pages)
    return TemplateResponse(request, "cms/search.html", {"query": query, "page_obj": page_obj})


def server_error(request):
    """The 500 page, rendered without the request: its context might fail again.

    Only the request's Content Security Policy nonce is passed, for the page's
    own styles; without one (the error came before or after the policy's
    middleware) the page is shown unstyled rather than not at all.
    """
    try:
        nonce = str(request.csp_nonce)
    except (AttributeError, CSPNonceError):
        nonce = ""
    return HttpResponseServerError(loader.get_template("500.html").render({"csp_nonce": nonce}))


@csrf_exempt
@require_POST
def csp_report(request):
    """Logs what a Content Security Policy blocked (or would have), one warning per report.

    Browsers post reports without a CSRF token, hence the exemption; the view
    reads at most ``CSP_REPORT_MAX_BYTES`` and writes nothing but log lines. It
    takes both shapes: ``report-uri``'s ``{"csp-report": {...}}`` and the
    Reporting API's list of ``{"type": "csp-violation", "body": {...}}``.
    """
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return HttpResponseBadRequest()
    if declared > CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    body = request.read(CSP_REPORT_MAX_BYTES + 1)
    if len(body) > CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        data = json.loads(body)
    except ValueError:
        return HttpResponseBadRequest()
    for report in violation_reports(data):
        # json.dumps escapes newlines and control characters: one report, one log line.
        csp_logger.warning("Content Security Policy violation: %s", json.dumps(report))
    return HttpResponse(status=204)


def violation_reports(data) -> list[dict]:
    """The reports in a posted body, each field a string or number cut to a sane length."""
    if isinstance(data, dict):
        reports = [data.get("csp-report")]
    elif isinstance(data, list):
        reports = [
            item.get("body")
            for item in data
            if isinstance(item, dict) and item.get("type") == "csp-violation"
        ]
    else:
        reports = []
    return [
        {
            str(key)[:CSP_REPORT_FIELD_CHARS]: (
                value[:CSP_REPORT_FIELD_CHARS] if isinstance(value, str) else value
            )
            for key, value in report.items()
            if isinstance(value, str | int | float)
        }
        for report in reports
        if isinstance(report, dict)
    ]
