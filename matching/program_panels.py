"""What matching adds to a program's page, through the journeys "program_page_panels" hook."""

from django.template.loader import render_to_string
from wagtail import hooks

from .templatetags.matching_tags import enrolment_panel


@hooks.register("program_page_panels")
def enrolment(request, page):
    """The viewer's call to action: enrol, change their enrolment, or nothing."""
    context = enrolment_panel({"request": request}, page)
    return render_to_string("matching/includes/enrolment_panel.html", context, request=request)
