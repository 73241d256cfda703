"""Unsubscribing from journey emails with the signed link every email carries."""

from django.contrib.auth import get_user_model
from django.http import Http404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from .models import EmailChoice, ParticipantPreferences
from .services.notifications import user_id_from_unsubscribe_token


@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """No login needed: the signed token names the person.

    GET only asks (mail scanners follow links); the button POSTs.
    """
    user_id = user_id_from_unsubscribe_token(token)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        raise Http404
    done = False
    if request.method == "POST":
        preferences, _ = ParticipantPreferences.objects.get_or_create(user=user)
        preferences.emails = EmailChoice.NONE
        preferences.save(update_fields=["emails"])
        done = True
    return TemplateResponse(
        request, "journeys/unsubscribe.html", {"person": user, "done": done, "token": token}
    )
