"""People's profile photos stay out of the admin's image library.

A profile photo is a Wagtail image in the "Profile photos" collection
(``services.profiles``), written and deleted only by the profile service.
Wagtail grants image permissions by collection, and the ones it gives the
Editors and Moderators groups (as most installations grant theirs) are on the
root collection, so they reach every collection below it, the photos' too.

Rules enforced here, for everyone, superusers included:

* ``ImagePermissionPolicy`` is Wagtail's own image policy (collections and
  ownership) with the photos' collection taken out of every answer. No image
  in it is listed, found by a search, chosen, opened, edited, replaced,
  previewed, tagged, moved or deleted in the admin, one at a time or in bulk,
  whatever permissions a group holds on that collection or above it.
* Nobody may add an image to that collection or move one into it through the
  admin: it is not among the collections the image forms offer.
* The collection itself is the profile service's: ``CollectionPermissionPolicy``
  (Wagtail's policy for managing collections) leaves it out of the admin's
  collections, so nobody renames, moves or deletes it, or puts a collection
  inside it. Renamed, it would no longer be known for what it holds.
* Both policies replace Wagtail's from ``JourneysConfig.ready()``, so they
  answer every check, the first included.
"""

from __future__ import annotations

from wagtail.images import get_image_model
from wagtail.permission_policies.collections import (
    CollectionManagementPermissionPolicy,
    CollectionOwnershipPermissionPolicy,
)

from .services.profiles import photo_collection_ids


class ImagePermissionPolicy(CollectionOwnershipPermissionPolicy):
    """Wagtail's image permission policy, blind to the profile photos' collection."""

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if instance.collection_id in photo_collection_ids():
            return False
        return super().user_has_any_permission_for_instance(user, actions, instance)

    def users_with_any_permission_for_instance(self, actions, instance):
        users = super().users_with_any_permission_for_instance(actions, instance)
        if instance.collection_id in photo_collection_ids():
            return users.none()
        return users

    def instances_user_has_any_permission_for(self, user, actions):
        # A list of ids, not a subquery: the admin's search filters on what this returns.
        instances = super().instances_user_has_any_permission_for(user, actions)
        return instances.exclude(collection__in=photo_collection_ids())

    def collections_user_has_any_permission_for(self, user, actions):
        collections = super().collections_user_has_any_permission_for(user, actions)
        return collections.exclude(pk__in=photo_collection_ids())


class CollectionPermissionPolicy(CollectionManagementPermissionPolicy):
    """Wagtail's policy for managing collections, blind to the profile photos' collection."""

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if instance.pk in photo_collection_ids():
            return False
        return super().user_has_any_permission_for_instance(user, actions, instance)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def instances_user_has_permission_for(self, user, action):
        collections = super().instances_user_has_permission_for(user, action)
        return collections.exclude(pk__in=photo_collection_ids())

    def instances_user_has_any_permission_for(self, user, actions):
        collections = super().instances_user_has_any_permission_for(user, actions)
        return collections.exclude(pk__in=photo_collection_ids())


def image_permission_policy() -> ImagePermissionPolicy:
    return ImagePermissionPolicy(
        get_image_model(), auth_model="wagtailimages.Image", owner_field_name="uploaded_by_user"
    )
