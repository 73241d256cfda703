"""What follows when an account is made inactive, whoever or whatever saves it so.

Connected in ``CmsConfig.ready()``. The transition is read in ``pre_save``
(the stored row, one query, only when the account is being saved inactive)
and acted on in ``post_save``, in the saving transaction, by
``services.departure.end_participation``. A bulk ``update(is_active=False)``
sends no signal and so does none of it: deactivate people one save at a time.
"""

from .services.departure import end_participation


def note_deactivation(sender, instance, raw=False, **kwargs):
    instance._deactivated = False
    if raw or instance.pk is None or instance.is_active:
        return
    was_active = (
        sender._default_manager.filter(pk=instance.pk).values_list("is_active", flat=True).first()
    )
    instance._deactivated = bool(was_active)


def act_on_deactivation(sender, instance, created=False, raw=False, **kwargs):
    if raw or created or not getattr(instance, "_deactivated", False):
        return
    instance._deactivated = False
    # An erasure tells partners itself, before the name is gone, and without it.
    if getattr(instance, "_erasing", False):
        return
    end_participation(instance)
