"""The leader profile's admin form, and the hook through which apps above may refuse a
change to the account a profile is linked to.

The linked account is more than a login for the profile: apps above this one grant it
things through the leader (journeys makes it a sponsor of every program the leader
sponsors). Whether someone may move those grants to another account is theirs to say,
so the form asks them.
"""

from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm

# Apps above this one may refuse a change to the account a leader profile is linked to,
# through this Wagtail hook: ``fn(profile, user) -> str | None``, with ``profile`` the
# stored profile (the account it is linked to now) and ``user`` who is editing it (or
# None). A sentence is the refusal, shown on the form's account field; None lets it be.
# Asked when the account posted differs from the stored one: saving a draft is asked as
# publishing is, since whoever publishes or approves the draft later makes it take effect.
LEADER_ACCOUNT_CHANGE_HOOK = "check_leader_account_change"


class LeaderProfileForm(WagtailAdminModelForm):
    """A leader profile, refusing an account change that an app above refuses."""

    def clean(self):
        cleaned_data = super().clean()
        if "user" not in self.fields or "user" in self.errors or self.instance.pk is None:
            return cleaned_data
        stored = self._meta.model._default_manager.filter(pk=self.instance.pk).first()
        if stored is None:
            return cleaned_data
        account = cleaned_data.get("user")
        if (account.pk if account is not None else None) == stored.user_id:
            return cleaned_data
        for check in hooks.get_hooks(LEADER_ACCOUNT_CHANGE_HOOK):
            refusal = check(stored, self.for_user)
            if refusal:
                self.add_error("user", refusal)
        return cleaned_data
