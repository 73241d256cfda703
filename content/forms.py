"""The leader profile's admin form, refusing a change to the account a profile is linked
to that an app above refuses (``leader_accounts``)."""

from wagtail.admin.forms import WagtailAdminModelForm

from .leader_accounts import account_change_refusals


class LeaderProfileForm(WagtailAdminModelForm):
    """A leader profile, refusing an account change that an app above refuses.

    Asked when the account posted differs from the stored one, for a draft as for
    publishing; publishing asks again (``LeaderProfile.publish``), since what was harmless
    when the draft was saved may not be when it takes effect.
    """

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
        for refusal in account_change_refusals(stored, self.for_user):
            self.add_error("user", refusal)
        return cleaned_data
