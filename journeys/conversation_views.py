"""The conversation's pages: reading and posting, changing one's message, reporting one.

Every URL here names a journey and goes through ``member_view``: a stranger,
a member of another journey, someone who has left and staff get 404 before
anything is read. A message is looked up inside that journey only. Once the
journey has ended, its conversation is read and reported from, never written
to: posting, editing and deleting are refused (``member_view``). Each page
works without JavaScript (forms post and redirect back); with it,
``conversation.js`` posts without a reload, asking for JSON, and asks
``messages`` for new ones every 15 seconds. The JSON carries each message as
HTML rendered here through the sanitiser, never text to be made HTML in the
browser.
"""

from __future__ import annotations

import uuid
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .conversation_rows import message_rows, render_rows
from .exceptions import JourneyError
from .forms import MessageForm, ReportForm
from .services import conversation
from .services.people import time_zone_for
from .services.progress import member_of
from .views import (
    OPEN,
    REFUSED,
    _add_error,
    _error_text,
    _render_journey,
    _today,
    _wants_json,
    member_view,
)


def conversation_url(journey, message=None) -> str:
    url = reverse("journeys:conversation", args=[journey.uuid])
    return f"{url}#message-{message.uuid}" if message is not None else url


def _member(request, journey):
    try:
        return member_of(journey, request.user)
    except JourneyError:  # left between the lookup and now
        raise Http404 from None


def _message(journey, member, message_uuid):
    message = conversation.find_message(journey, member, message_uuid)
    if message is None:
        raise Http404
    return message


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def _render_conversation(request, journey, member, form=None, status=200):
    before = request.GET.get("before")
    before_message = _message(journey, member, _uuid(before)) if before else None
    page = conversation.messages_page(journey, member, before=before_message)
    newest = page.newest
    if before_message is None and newest is not None:
        conversation.mark_read(member, newest.pk)
    url = reverse("journeys:conversation", args=[journey.uuid])
    return render(
        request,
        "journeys/conversation.html",
        {
            "journey": journey,
            "member": member,
            "rows": message_rows(journey, member, page.messages),
            "form": form or MessageForm(initial={"origin": "conversation"}, auto_id="message-%s"),
            "earlier_url": f"{url}?before={page.oldest.uuid}" if page.has_earlier else "",
            "latest_url": url if before_message is not None else "",
            # Only the latest page looks for new messages.
            "poll_after": str(newest.uuid) if newest and before_message is None else "",
            "is_latest": before_message is None,
            "reports_allowed": journey.program.allow_message_reports,
        },
        status=status,
    )


def in_own_time_zone(view):
    """Show (and say) the times of messages in the viewer's own time zone."""

    @wraps(view)
    def wrapped(request, journey, *args, **kwargs):
        with timezone.override(time_zone_for(request.user)):
            return view(request, journey, *args, **kwargs)

    return wrapped


@member_view("GET", "POST")
@in_own_time_zone
def conversation_page(request, journey):
    """The whole conversation, newest last (GET); a new message (POST)."""
    member = _member(request, journey)
    if request.method == "GET":
        return _render_conversation(request, journey, member)
    as_json = _wants_json(request)
    form = MessageForm(request.POST, auto_id="message-%s")
    from_journey = request.POST.get("origin") == "journey"
    if form.is_valid():
        try:
            message = conversation.post_message(journey, request.user, form.cleaned_data["text"])
        except ValidationError as error:
            _add_error(form, error, "text")
        except JourneyError as error:
            if as_json:
                return JsonResponse(
                    {"status": "refused", "message": _error_text(error)}, status=400
                )
            messages.error(request, _error_text(error))
            return redirect(conversation_url(journey))
        else:
            if as_json:
                return JsonResponse({"status": "posted", "uuid": str(message.uuid)}, status=201)
            messages.success(request, _("Your message is sent."))
            if from_journey:
                url = reverse("journeys:journey", args=[journey.uuid])
                return redirect(f"{url}#message-{message.uuid}")
            return redirect(conversation_url(journey, message))
    if as_json:
        return JsonResponse(
            {
                "status": "invalid",
                "message": " ".join(e for errors in form.errors.values() for e in errors),
                "errors": form.errors.get_json_data(),
            },
            status=400,
        )
    if from_journey:
        return _render_journey(request, journey, _today(), {"message": form}, status=400)
    return _render_conversation(request, journey, member, form, status=400)


@member_view("GET")
@in_own_time_zone
def conversation_messages(request, journey):
    """New messages as JSON for the page's script: those after ``?after=<uuid>``.

    An ``after`` that is no longer in the conversation (deleted by an
    erasure) gives the latest page instead, with ``replace`` set. The
    member's place moves to the newest message sent.
    """
    member = _member(request, journey)
    after = request.GET.get("after")
    after_message = conversation.find_message(journey, member, _uuid(after)) if after else None
    if after_message is not None:
        found = conversation.messages_after(journey, member, after_message)
        replace = False
    else:
        found = conversation.messages_page(journey, member).messages
        replace = True
    if found:
        conversation.mark_read(member, found[-1].pk)
    return JsonResponse(
        {
            "messages": render_rows(request, journey, message_rows(journey, member, found)),
            "replace": replace,
        }
    )


@member_view("GET", "POST", ended=REFUSED)
@in_own_time_zone
def edit_message(request, journey, message_uuid):
    """Change one's own message (GET shows the form; POST saves), within 15 minutes."""
    member = _member(request, journey)
    message = _message(journey, member, message_uuid)
    now = timezone.now()
    if request.method == "GET":
        if not conversation.can_change(message, member, now):
            messages.error(request, _locked_reason(message, member))
            return redirect(conversation_url(journey, message))
        form = MessageForm(initial={"text": message.text}, auto_id="edit-%s")
        return _render_edit(request, journey, message, form)
    form = MessageForm(request.POST, auto_id="edit-%s")
    if form.is_valid():
        try:
            conversation.edit_message(
                journey, request.user, message.uuid, form.cleaned_data["text"]
            )
        except ValidationError as error:
            _add_error(form, error, "text")
        except JourneyError as error:
            messages.error(request, _error_text(error))
            return redirect(conversation_url(journey, message))
        else:
            messages.success(request, _("Your message is changed."))
            return redirect(conversation_url(journey, message))
    return _render_edit(request, journey, message, form, status=400)


def _locked_reason(message, member) -> str:
    if message.author_id != member.pk:
        return _("Only the person who wrote a message can change it.")
    if message.is_deleted:
        return _("This message is deleted.")
    return _(
        "A message can be changed or deleted for 15 minutes after it is sent. This one was "
        "sent at %(time)s, so it stays as it is."
    ) % {"time": date_format(timezone.localtime(message.created_at), "H:i, j F")}


def _render_edit(request, journey, message, form, status=200):
    until = timezone.localtime(message.created_at + conversation.EDIT_WINDOW)
    return render(
        request,
        "journeys/message_edit.html",
        {
            "journey": journey,
            "message": message,
            "form": form,
            "until": until,
            "back_url": conversation_url(journey, message),
        },
        status=status,
    )


@member_view("POST")
@in_own_time_zone
def delete_message(request, journey, message_uuid):
    message = _message(journey, _member(request, journey), message_uuid)
    try:
        conversation.delete_message(journey, request.user, message.uuid)
    except JourneyError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Your message is deleted."))
    return redirect(conversation_url(journey, message))


@member_view("GET", "POST", ended=OPEN)
@in_own_time_zone
def report_message(request, journey, message_uuid):
    """Report a message to the program's admins, where the program allows it."""
    member = _member(request, journey)
    message = _message(journey, member, message_uuid)
    if not conversation.may_report(journey, member, message):
        if not journey.program.allow_message_reports:
            raise Http404  # nothing to see where reporting is off
        messages.error(
            request,
            _("You cannot report your own message; you can delete it.")
            if message.author_id == member.pk
            else _("This message is deleted, so there is nothing to report."),
        )
        return redirect(conversation_url(journey, message))
    already = conversation.reported_ids(member, [message])
    if request.method == "POST" and not already:
        form = ReportForm(request.POST, auto_id="report-%s")
        if form.is_valid():
            try:
                conversation.report_message(
                    journey, request.user, message.uuid, form.cleaned_data["reason"]
                )
            except ValidationError as error:
                _add_error(form, error, "reason")
            except JourneyError as error:
                messages.error(request, _error_text(error))
                return redirect(conversation_url(journey, message))
            else:
                messages.success(request, reported_notice())
                return redirect(conversation_url(journey, message))
        status = 400
    else:
        form = ReportForm(auto_id="report-%s")
        status = 200
    rows = message_rows(journey, member, [message])
    return render(
        request,
        "journeys/message_report.html",
        {
            "journey": journey,
            "row": rows[0],
            "form": form,
            "already": bool(already),
            "back_url": conversation_url(journey, message),
        },
        status=status,
    )


def reported_notice() -> str:
    return _(
        "Thank you for telling us. Your program's admins can now read this message and "
        "see who wrote it, and nothing else of your conversation. They will decide what "
        "to do, and may get in touch with you."
    )
