"""Who may do what with leader stories and profiles.

* "Senior leaders" may create stories under a stories index and edit the ones
  they own, edit their own leader profile, and add and choose images and
  documents (for a story's images, document block and document links).
  Nothing else in the admin.
* "Communications" may edit and publish every story, add, change and choose
  images and documents, and approve or request changes in the "Leader story
  review" workflow, which every stories index is attached to when it is
  created, and in the "Leader profile review", which leader profiles go
  through (assigned by a data migration).
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import GroupPagePermission, Workflow, WorkflowPage
from wagtail.permission_policies import ModelPermissionPolicy

SENIOR_LEADERS = "Senior leaders"
COMMUNICATIONS = "Communications"
STORY_REVIEW_WORKFLOW = "Leader story review"
STORY_REVIEW_TASK = "Communications approval"
PROFILE_REVIEW_WORKFLOW = "Leader profile review"

LEADER_PAGE_PERMISSIONS = ("add_page",)
COMMUNICATIONS_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")


@transaction.atomic
def attach_story_review(stories_index) -> None:
    """Give a stories index its review workflow and the two groups' page rights.

    Idempotent: running it again adds nothing that is already there. Does
    nothing when the groups or workflow do not exist (a database migrated
    without the content app's data migration).
    """
    groups = {g.name: g for g in Group.objects.filter(name__in=[SENIOR_LEADERS, COMMUNICATIONS])}
    for group_name, codenames in (
        (SENIOR_LEADERS, LEADER_PAGE_PERMISSIONS),
        (COMMUNICATIONS, COMMUNICATIONS_PAGE_PERMISSIONS),
    ):
        group = groups.get(group_name)
        if group is None:
            continue
        for permission in Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=codenames
        ):
            GroupPagePermission.objects.get_or_create(
                group=group, page=stories_index, permission=permission
            )
    workflow = Workflow.objects.filter(name=STORY_REVIEW_WORKFLOW, active=True).first()
    if workflow is not None:
        WorkflowPage.objects.update_or_create(page=stories_index, defaults={"workflow": workflow})


def is_story_author_only(user) -> bool:
    """Whether the user writes pages but may neither change others' nor publish.

    That is a senior leader's position: Wagtail's "add" page permission lets
    them create stories and edit the ones they own, and nothing more.
    """
    if not user.is_authenticated or not user.is_active or user.is_superuser:
        return False
    page_rights = set(
        GroupPagePermission.objects.filter(group__user=user).values_list(
            "permission__codename", flat=True
        )
    )
    return "add_page" in page_rights and not page_rights & {"change_page", "publish_page"}


def story_author_only(user) -> bool:
    """``is_story_author_only``, asked once per user object: listings ask it per row."""
    known = getattr(user, "_trellis_story_author_only", None)
    if known is None:
        known = is_story_author_only(user)
        if user.is_authenticated:
            user._trellis_story_author_only = known
    return known


def story_editable(page, user, in_review: bool | None = None) -> bool:
    """Whether ``user`` may open the story and change it now.

    Wagtail's page permissions, and for a senior leader not while the story waits
    for Communications' review: the review locks it to everyone but reviewers.
    ``in_review`` is whether it waits, when the caller read that already.
    """
    if not page.permissions_for_user(user).can_edit():
        return False
    if in_review is None:
        in_review = page.workflow_in_progress
    return not (in_review and story_author_only(user))


class LeaderProfilePermissionPolicy(ModelPermissionPolicy):
    """Leader profiles: editors manage all of them; a leader only their own.

    ``content.change_own_leaderprofile`` grants editing the profile linked to
    the user's own account, nothing more.
    """

    own_codename = "change_own_leaderprofile"

    def _has_own_permission(self, user):
        return user.is_active and user.has_perm(f"{self.app_label}.{self.own_codename}")

    def user_has_permission(self, user, action):
        if super().user_has_permission(user, action):
            return True
        return action == "change" and self._has_own_permission(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        if super().user_has_permission(user, action):
            return True
        return (
            action == "change"
            and self._has_own_permission(user)
            and instance.user_id is not None
            and instance.user_id == user.pk
        )

    def instances_user_has_permission_for(self, user, action):
        if super().user_has_permission(user, action):
            return self.model._default_manager.all()
        if action == "change" and self._has_own_permission(user):
            return self.model._default_manager.filter(user=user)
        return self.model._default_manager.none()

    def instances_user_has_any_permission_for(self, user, actions):
        queryset = self.model._default_manager.none()
        for action in actions:
            queryset |= self.instances_user_has_permission_for(user, action)
        return queryset
