"""Admin registration for journeys: the journey list, the upgrade bulk action, the outbox,
reported messages, refusing a change to the account of a sponsor leader to whoever may not
choose a program's people, telling whoever publishes a journey template about the journeys
still on older revisions, and refusing to delete pages above the programs and templates
journeys follow. (People's profile photos are kept out of the image library and its
choosers by the image permission policy, ``images``, registered in ``apps``.)"""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.models import Page
from wagtail.permissions import register_permission_policy

from content.leader_accounts import LEADER_ACCOUNT_CHANGE_HOOK

from .admin_access import page_rights_within_programs
from .models import Journey, JourneyPage, MessageReport, OutboxEmail, ProgramLogEntry
from .services.access import sponsor_account_change_refusal
from .viewsets import (
    REVIEW_ACTION,
    InviteJourneyMembersBulkAction,
    JourneyViewSet,
    MessageReportPermissionPolicy,
    MessageReportViewSet,
    OutboxPermissionPolicy,
    OutboxViewSet,
    UpgradeJourneysBulkAction,
    can,
    upgrade_template_url,
)


@hooks.register("register_admin_viewset")
def register_journey_viewset():
    return JourneyViewSet()


hooks.register("register_bulk_action", UpgradeJourneysBulkAction)
hooks.register("register_bulk_action", InviteJourneyMembersBulkAction)
# The account linked to a sponsor leader is a sponsor: relinking it is choosing one.
hooks.register(LEADER_ACCOUNT_CHANGE_HOOK, sponsor_account_change_refusal)


register_permission_policy(OutboxEmail, OutboxPermissionPolicy(OutboxEmail))


@hooks.register("register_admin_viewset")
def register_outbox_viewset():
    return OutboxViewSet()


register_permission_policy(MessageReport, MessageReportPermissionPolicy(MessageReport))


@hooks.register("register_admin_viewset")
def register_message_report_viewset():
    return MessageReportViewSet()


@hooks.register("construct_reports_menu")
def hide_site_wide_reports_from_program_admins(request, menu_items):
    """The page types report spans every program (``admin_access``)."""
    if page_rights_within_programs(request.user):
        menu_items[:] = [item for item in menu_items if item.name != "page-types-usage"]


@hooks.register("register_log_actions")
def log_journeys_and_reports_with_their_program(actions):
    """Their entries name participants: the site history shows them to the program's
    admins alone (``ProgramLogEntry``)."""
    for model in (Journey, MessageReport):
        actions.register_model(model, ProgramLogEntry)


@hooks.register("register_log_actions")
def register_review_action(actions):
    actions.register_action(
        REVIEW_ACTION,
        gettext_lazy("Review a reported message"),
        gettext_lazy("Marked the reported message as reviewed"),
    )


@hooks.register("after_publish_page")
def tell_about_journeys_on_older_revisions(request, page):
    """Publishing a journey template leaves journeys under way on their revision: say how
    many, and lead whoever may upgrade them to the preview of what would change."""
    if not isinstance(page, JourneyPage):
        return
    behind = Journey.objects.under_way().behind_template().filter(template=page).count()
    if not behind:
        return
    message = ngettext(
        "%(count)d journey under way follows an older revision of “%(title)s” and keeps "
        "doing so until it is upgraded.",
        "%(count)d journeys under way follow an older revision of “%(title)s” and keep "
        "doing so until they are upgraded.",
        behind,
    ) % {"count": behind, "title": page.title}
    if can(request.user, "change"):
        button = messages.button(
            upgrade_template_url(page), _("See what would change and upgrade")
        )
        messages.warning(request, message, buttons=[button])
    else:
        messages.warning(
            request, message + " " + _("A program admin can upgrade them under Journeys.")
        )


# Journeys keep their program and template (``on_delete=PROTECT``). Wagtail refuses to
# delete such a page itself, naming what refers to it, but not a page above one: the
# deletion then failed with a server error. These say why, and delete nothing.


def journeys_below_refusal(page) -> str | None:
    """Why ``page`` cannot be deleted with the pages under it, or None when it can."""
    followed = (
        Journey.objects.below(page)
        .values_list("program__title", "template__title")
        .distinct()
        .order_by("program__title", "template__title")
    )
    titles = []
    for program_title, template_title in followed[:10]:
        for title in (program_title, template_title):
            if title not in titles:
                titles.append(title)
    if not titles:
        return None
    return _(
        "“%(title)s” cannot be deleted: journeys follow pages under it (%(pages)s). "
        "Unpublish it instead to take it off the site."
    ) % {"title": page.get_admin_display_title(), "pages": ", ".join(f"“{t}”" for t in titles)}


@hooks.register("before_delete_page")
def keep_pages_journeys_follow(request, page):
    refusal = journeys_below_refusal(page)
    if refusal is None:
        return None
    messages.error(request, refusal)
    return redirect(
        get_valid_next_url_from_request(request)
        or reverse("wagtailadmin_explore", args=[page.get_parent().pk])
    )


@hooks.register("before_bulk_action")
def keep_pages_journeys_follow_in_bulk(request, action_type, objects, action_class_instance):
    if action_type != "delete":
        return None
    refusals = [
        refusal
        for page in objects
        if isinstance(page, Page) and (refusal := journeys_below_refusal(page))
    ]
    if not refusals:
        return None
    for refusal in refusals:
        messages.error(request, refusal)
    return redirect(action_class_instance.next_url)
