"""Site-wide views: health check, search and error pages."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from wagtail.models import Page, Site

SEARCH_PAGE_SIZE = 10


@never_cache
@require_GET
def healthz(request):
    """A trivial response: proves the process answers, and is the benchmarks' yardstick."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def search(request):
    """Searches the live, public pages of the site the request came to."""
    query = request.GET.get("q", "").strip()[:200]
    results = Page.objects.none()
    if query:
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
    """The 500 page, rendered without the request: its context might fail again."""
    return HttpResponseServerError(loader.get_template("500.html").render())
