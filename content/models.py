"""Pages and snippets of the content library."""

import logging

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.log_actions import registry as log_registry
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Page,
    PagePermissionTester,
    PreviewableMixin,
    RevisionMixin,
    Site,
    WorkflowMixin,
)
from wagtail.search import index

from .blocks import BodyBlock
from .exceptions import AccountChangeRefusedError
from .leader_accounts import account_change_refusals
from .panels import ReviewCommentPanel
from .permissions import is_story_author_only
from .text import as_id, control_character, validate_line, validate_lines

logger = logging.getLogger(__name__)

SEARCH_DESCRIPTION_MAX_LENGTH = 400
# How Wagtail's ``publish_scheduled`` command publishes a revision whose time has come.
SCHEDULED_PUBLISH_ACTION = "wagtail.publish.scheduled"


class TrellisPagePermissionTester(PagePermissionTester):
    """Wagtail's page permissions, offering a page's history only to who may open it.

    Wagtail shows the History link and action on every page but the root, and
    its history view then refuses anyone who cannot edit the page: a senior
    leader browsing the stories, or a program admin the home page above their
    program, was offered a link that answered "no permission".
    """

    def can_view_revisions(self):
        return super().can_view_revisions() and self.can_edit()


class BasePage(Page):
    """The base of every page type in Trellis.

    Holds what every page shares: a one-paragraph summary for listings, search
    results and link previews.
    """

    summary = models.TextField(
        blank=True,
        max_length=400,
        validators=[MaxLengthValidator(400)],
        help_text=_(
            "One or two sentences shown in listings and search results. Leave blank "
            "to use the search description."
        ),
    )

    content_panels = [*Page.content_panels, FieldPanel("summary")]
    # The admin's page search matches autocomplete fields only (for a bare page, its
    # title): each page type adds what its editors write, so a remembered word finds it.
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.AutocompleteField("summary"),
    ]

    class Meta:
        abstract = True

    @property
    def listing_summary(self):
        return self.summary or self.search_description

    def permissions_for_user(self, user):
        return TrellisPagePermissionTester(user, self)

    def clean(self):
        """Titles are one line: they end up in email subjects and listings. The search
        description (a Wagtail field with no limit of its own) is as short as a summary."""
        super().clean()
        errors = {}
        for name in ("title", "seo_title"):
            try:
                validate_line(getattr(self, name) or "")
            except ValidationError as error:
                errors[name] = error
        try:
            validate_lines(self.search_description or "")
            MaxLengthValidator(SEARCH_DESCRIPTION_MAX_LENGTH)(self.search_description or "")
        except ValidationError as error:
            errors["search_description"] = error
        if errors:
            raise ValidationError(errors)


class TopicKind(models.TextChoices):
    TECHNICAL = "technical", _("Technical skill")
    SOFT = "soft", _("Soft skill")
    LEADERSHIP = "leadership", _("Leadership")
    CAREER = "career", _("Career")
    WELLBEING = "wellbeing", _("Wellbeing")


class Topic(index.Indexed, models.Model):
    """A competency or theme: tags materials, describes what mentors offer and
    mentees seek, and chooses journey tracks."""

    name = models.CharField(
        max_length=80,
        unique=True,
        validators=[validate_line],
        help_text=_("e.g. 'Giving feedback'."),
    )
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text=_("Used in addresses and in imported files' front matter."),
    )
    kind = models.CharField(
        max_length=20,
        choices=TopicKind.choices,
        default=TopicKind.SOFT,
        help_text=_("The family this topic belongs to."),
    )
    description = models.TextField(
        blank=True,
        max_length=400,
        validators=[MaxLengthValidator(400)],
        help_text=_("What the topic covers, in a sentence or two."),
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("kind"),
        FieldPanel("description"),
    ]
    search_fields = [index.SearchField("name"), index.SearchField("description")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")

    def __str__(self):
        return self.name


class LeaderProfile(
    PreviewableMixin,
    WorkflowMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    index.Indexed,
    models.Model,
):
    """A senior leader whose stories and quotes appear in the library.

    Changes go through the "Leader profile review", as stories go through theirs: a
    leader may save drafts of their own profile but not publish, so they submit it
    and Communications approves. While it waits it is locked to everyone but them.
    """

    name = models.CharField(
        max_length=120,
        validators=[validate_line],
        help_text=_("Full name as it should appear."),
    )
    title = models.CharField(
        max_length=160,
        validators=[validate_line],
        help_text=_("Role and team, e.g. 'Chief Operating Officer'."),
    )
    portrait = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A friendly head-and-shoulders photo, at least 400 px square."),
    )
    bio = models.TextField(
        blank=True,
        max_length=1200,
        validators=[MaxLengthValidator(1200), validate_lines],
        help_text=_("A short, personal introduction: a paragraph or two."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leader_profile",
        help_text=_("The leader's own account, so they can edit this profile and their stories."),
    )
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="leaderprofile")

    panels = [
        FieldPanel("name"),
        FieldPanel("title"),
        FieldPanel("portrait"),
        FieldPanel("bio"),
        FieldPanel("user"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("title"),
        index.SearchField("bio"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("leader profile")
        permissions = [
            ("change_own_leaderprofile", "Can change the leader profile linked to their account")
        ]

    def __str__(self):
        return self.name

    @property
    def revisions(self):
        return self._revisions

    def get_preview_template(self, request, mode_name):
        return "content/leader_profile_preview.html"

    def publish(
        self,
        revision,
        user=None,
        changed=True,
        log_action=True,
        previous_revision=None,
        skip_permission_checks=False,
    ):
        """Publish ``revision``, unless it moves the profile to another account (or unlinks
        it) and an app above refuses that to ``user`` (``leader_accounts``).

        Every publish passes here: the editor's, approving a review, a scheduled revision
        going live. The draft was asked when it was saved, but the leader may have become a
        program's sponsor since, so publishing asks again, of whoever publishes. A refusal
        raises ``AccountChangeRefusedError`` and writes nothing. A scheduled revision is
        asked of whoever scheduled it; when refused it is unscheduled rather than retried
        every minute, and stays a draft.
        """
        with transaction.atomic():
            # Locked, so that another publish cannot change the account between the
            # question and the answer.
            stored = type(self)._default_manager.select_for_update().filter(pk=self.pk).first()
            if stored is not None and revision.as_object().user_id != stored.user_id:
                scheduled = user is None and log_action == SCHEDULED_PUBLISH_ACTION
                asked = self._scheduled_by(revision) if scheduled else user
                refusals = account_change_refusals(stored, asked)
                if refusals and scheduled:
                    self._unschedule(revision, refusals)
                    return None
                if refusals:
                    raise AccountChangeRefusedError(refusals)
            return super().publish(
                revision,
                user=user,
                changed=changed,
                log_action=log_action,
                previous_revision=previous_revision,
                skip_permission_checks=skip_permission_checks,
            )

    def _scheduled_by(self, revision):
        """Who approved ``revision`` to go live later, as the history records, or None."""
        entry = (
            log_registry.get_logs_for_instance(self)
            .filter(action="wagtail.publish.schedule", revision=revision)
            .order_by("-timestamp", "-pk")
            .first()
        )
        if entry is None or entry.user_id is None:
            return None
        return get_user_model()._default_manager.filter(pk=entry.user_id).first()

    def _unschedule(self, revision, refusals):
        revision.approved_go_live_at = None
        # Saving it so logs "Unschedule publication" in the profile's history.
        revision.save(update_fields=["approved_go_live_at"])
        logger.warning(
            "Unscheduled revision %d of leader profile pk=%s: it changes the linked "
            "account, which is refused. %s",
            revision.pk,
            self.pk,
            " ".join(str(refusal) for refusal in refusals),
        )


class MaterialKind(models.TextChoices):
    GUIDE = "guide", _("Guide")
    WORKSHEET = "worksheet", _("Worksheet")
    VIDEO = "video", _("Video")
    DISCUSSION_GUIDE = "discussion_guide", _("Discussion guide")
    EXERCISE = "exercise", _("Exercise")
    CHECKLIST = "checklist", _("Checklist")


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    MENTORS = "mentors", _("Mentors")
    MENTEES = "mentees", _("Mentees")


class FilteredListingMixin:
    """Lists live children of one page type with filters and pagination."""

    per_page = 12
    topic_related_name = ""
    filter_fields = ()

    def listing_queryset(self):
        return self.listing_model.objects.child_of(self).live().public().specific()

    def filter_listing(self, request, queryset):
        active = {}
        for name in self.filter_fields:
            value = request.GET.get(name, "").strip()
            if not value:
                continue
            if control_character(value):
                # No stored value holds one, and PostgreSQL refuses a NUL in a query.
                queryset = queryset.none()
            elif name == "topic":
                queryset = queryset.filter(topics__slug=value)
            else:
                queryset = queryset.filter(**{name: value})
            active[name] = value
        return queryset.distinct(), active

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        queryset, active = self.filter_listing(request, self.listing_queryset())
        paginator = Paginator(queryset.order_by("-first_published_at", "pk"), self.per_page)
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            page_obj = paginator.page(1)
        except EmptyPage:
            page_obj = paginator.page(paginator.num_pages)
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            page_obj=page_obj,
            items=page_obj.object_list,
            active_filters=active,
            filter_query=query.urlencode(),
            topics=Topic.objects.filter(
                **{f"{self.topic_related_name}__in": self.listing_queryset()}
            ).distinct(),
        )
        return context


class LibraryIndexPage(FilteredListingMixin, BasePage):
    """The library: every material, filterable by topic, kind and audience."""

    intro = models.TextField(
        blank=True,
        max_length=600,
        validators=[MaxLengthValidator(600)],
        help_text=_("A sentence or two above the listing."),
    )

    # A section of the site: in the header unless its editor unticks "Show in menus".
    show_in_menus_default = True
    content_panels = [*BasePage.content_panels, FieldPanel("intro")]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("intro"),
        index.AutocompleteField("intro"),
    ]
    subpage_types = ["content.MaterialPage"]
    parent_page_types = ["cms.HomePage"]
    filter_fields = ("topic", "kind", "audience")
    topic_related_name = "materials"

    class Meta:
        verbose_name = _("library index page")

    @property
    def listing_model(self):
        return MaterialPage

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(kinds=MaterialKind.choices, audiences=Audience.choices)
        return context


class MaterialPage(BasePage):
    """A guide, worksheet, video or other material in the library."""

    # Templates that show a material or a leader story ask this before reading
    # what only a story has (its leader, quote and video).
    is_story = False

    kind = models.CharField(
        max_length=20,
        choices=MaterialKind.choices,
        default=MaterialKind.GUIDE,
        help_text=_("What sort of material this is; readers can filter by it."),
    )
    audience = models.CharField(
        max_length=10,
        choices=Audience.choices,
        default=Audience.EVERYONE,
        help_text=_("Who the material is written for."),
    )
    topics = ParentalManyToManyField(
        Topic,
        blank=True,
        related_name="materials",
        help_text=_("The competencies or themes this material helps with."),
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        default=10,
        help_text=_("Roughly how long it takes to read, watch or complete, in minutes."),
    )
    body = StreamField(BodyBlock(), help_text=_("The material itself."))

    content_panels = [
        *BasePage.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("kind"), FieldPanel("audience")]),
                FieldPanel("estimated_minutes"),
                FieldPanel("topics", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("About this material"),
        ),
        FieldPanel("body"),
    ]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("body"),
        index.AutocompleteField("body"),
        index.FilterField("kind"),
        index.FilterField("audience"),
        index.RelatedFields("topics", [index.SearchField("name")]),
    ]
    parent_page_types = ["content.LibraryIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("material page")


class StoriesIndexPage(FilteredListingMixin, BasePage):
    """Role-model stories from the organisation's leaders."""

    intro = models.TextField(
        blank=True,
        max_length=600,
        validators=[MaxLengthValidator(600)],
        help_text=_("A sentence or two above the listing."),
    )

    # A section of the site: in the header unless its editor unticks "Show in menus".
    show_in_menus_default = True
    content_panels = [*BasePage.content_panels, FieldPanel("intro")]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("intro"),
        index.AutocompleteField("intro"),
    ]
    subpage_types = ["content.LeaderStoryPage"]
    parent_page_types = ["cms.HomePage"]
    filter_fields = ("topic", "leader")
    topic_related_name = "stories"

    class Meta:
        verbose_name = _("stories index page")

    @property
    def listing_model(self):
        return LeaderStoryPage

    def filter_listing(self, request, queryset):
        leader = request.GET.get("leader", "").strip()
        leader_id = as_id(leader)
        active = {}
        if leader_id is not None:
            queryset = queryset.filter(leader_id=leader_id)
            active["leader"] = leader
        topic = request.GET.get("topic", "").strip()
        if topic:
            # A topic holding a control character names none (PostgreSQL refuses a NUL).
            queryset = (
                queryset.none()
                if control_character(topic)
                else queryset.filter(topics__slug=topic)
            )
            active["topic"] = topic
        return queryset.distinct(), active

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["leaders"] = LeaderProfile.objects.filter(
            stories__in=self.listing_queryset()
        ).distinct()
        return context


class LeaderStoryPageForm(WagtailAdminPageForm):
    """A senior leader may credit a story only to their own profile.

    For them the leader field is a plain list holding the profile linked to their
    account, chosen already, instead of the chooser of every profile; a choice of
    anyone else's is refused when saving, whatever the browser sent. Communications
    and superusers choose any leader.
    """

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None and "leader" in self.fields and is_story_author_only(for_user):
            field = self.fields["leader"]
            field.queryset = LeaderProfile.objects.filter(user=for_user)
            field.widget = forms.Select(choices=field.choices)
            field.error_messages["invalid_choice"] = _(
                "Choose your own leader profile: stories you write are credited to you."
            )
            own = field.queryset.first()  # one profile per account at most
            if own is None:
                field.help_text = _(
                    "No leader profile is linked to your account yet, so the story cannot "
                    "be saved. Ask Communications to link yours."
                )
            elif not self.instance.leader_id:
                self.initial["leader"] = own.pk


class LeaderStoryPage(BasePage):
    """A senior leader's story, published through the leader story review."""

    is_story = True

    base_form_class = LeaderStoryPageForm

    leader = models.ForeignKey(
        LeaderProfile,
        on_delete=models.PROTECT,
        related_name="stories",
        help_text=_("Whose story this is."),
    )
    pull_quote = models.CharField(
        max_length=280,
        blank=True,
        validators=[validate_line],
        help_text=_("One line from the story, shown large at the top and in listings."),
    )
    video = models.URLField(
        blank=True,
        help_text=_("Optional: a link to a short video message on a hosting service."),
    )
    topics = ParentalManyToManyField(
        Topic,
        blank=True,
        related_name="stories",
        help_text=_("The themes the story speaks to."),
    )
    body = StreamField(BodyBlock(), help_text=_("The story, in the leader's own words."))

    content_panels = [
        ReviewCommentPanel(heading=_("Changes requested")),
        *BasePage.content_panels,
        FieldPanel("leader"),
        FieldPanel("pull_quote"),
        FieldPanel("video"),
        FieldPanel("topics", widget=forms.CheckboxSelectMultiple),
        FieldPanel("body"),
    ]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("pull_quote"),
        index.AutocompleteField("pull_quote"),
        index.SearchField("body"),
        index.AutocompleteField("body"),
        index.RelatedFields(
            "leader", [index.SearchField("name"), index.AutocompleteField("name")]
        ),
        index.RelatedFields("topics", [index.SearchField("name")]),
    ]
    parent_page_types = ["content.StoriesIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("leader story page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["more_stories"] = self.more_from_leader(Site.find_for_request(request))
        return context

    def more_from_leader(self, site):
        """The leader's other live, public stories on ``site``: a leader profile is
        shared by every site, their stories are not."""
        stories = LeaderStoryPage.objects.live().public().filter(leader_id=self.leader_id)
        if site is not None:
            stories = stories.descendant_of(site.root_page)
        return stories.exclude(pk=self.pk).select_related("leader")
