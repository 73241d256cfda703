"""Unsubscribing from journey emails with the signed link every email carries."""

from django.contrib.auth import get_user_model
from django.http import Http404
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .models import EmailChoice, ParticipantPreferences
from .services.outbox import ExpiredLink, user_id_from_unsubscribe_token

TEMPLATE = "journeys/unsubscribe.html"


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """No sign-in needed: the signed token names the person.

    GET only asks (mail scanners follow links); a POST stops the emails, the
    page's button and a mail client's one-click unsubscribe alike (RFC 8058:
    the client posts ``List-Unsubscribe=One-Click`` with no cookie or token,
    hence no CSRF check; the signed link is the credential, and all it can do
    is stop emails). A link older than a year says so and points to the
    settings page; every email carries a fresh one.
    """
    try:
        user_id = user_id_from_unsubscribe_token(token)
    except ExpiredLink:
        return TemplateResponse(request, TEMPLATE, {"expired": True}, status=410)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        raise Http404
    done = False
    if request.method == "POST":
        ParticipantPreferences.objects.update_or_create(
            user=user, defaults={"emails": EmailChoice.NONE}
        )
        done = True
    # Opened again after stopping them, the link says so rather than asking again.
    stopped = not done and (
        ParticipantPreferences.objects.filter(user=user, emails=EmailChoice.NONE).exists()
    )
    return TemplateResponse(
        request, TEMPLATE, {"person": user, "done": done, "already_stopped": stopped}
    )
