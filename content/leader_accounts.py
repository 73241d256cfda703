"""Who may change the account a leader profile is linked to: the hook through which apps
above may refuse it, and the one place that asks it.

The linked account is more than a login for the profile: apps above this one grant it
things through the leader (journeys makes it a sponsor of every program the leader
sponsors). Whether someone may move those grants to another account is theirs to say.
They are asked twice: by the profile's form when a draft is saved (``forms``), and when a
revision is published, however that happens (``LeaderProfile.publish``): from the editor,
by approving a review, or when a scheduled revision's time comes. A draft saved while the
change was harmless (the leader sponsored nothing yet) is asked again then.
"""

from wagtail import hooks

# ``fn(profile, user) -> str | None``, with ``profile`` the stored profile (the account it
# is linked to now) and ``user`` who changes it (or None when nobody does, as when a
# scheduled revision goes live unattended). A sentence is the refusal; None lets it be.
LEADER_ACCOUNT_CHANGE_HOOK = "check_leader_account_change"


def account_change_refusals(stored, user) -> list[str]:
    """Why ``user`` may not move the stored ``profile`` to another account (or unlink it);
    empty when nothing refuses."""
    return [
        refusal
        for check in hooks.get_hooks(LEADER_ACCOUNT_CHANGE_HOOK)
        if (refusal := check(stored, user))
    ]
