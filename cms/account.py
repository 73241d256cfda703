"""The admin's account page, with a profile picture that must decode.

Wagtail's profile picture form opens the upload with Pillow and shrinks it when
it is wider or taller than 400 pixels: a file cut short answers 500 there, and
a small one is stored damaged. Wagtail has no setting for that form, so the
account URL (``wagtailadmin_account``, mounted before Wagtail's admin URLs) is
served by a subclass of Wagtail's own view whose picture panel uses
``CompleteAvatarForm`` and a template that shows the form's errors (Wagtail's
own shows none, so even its "Upload a valid image" went unseen); every other
panel, hook and template stays Wagtail's.
"""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.forms.account import AvatarPreferencesForm
from wagtail.admin.views import account

from content.images import DAMAGED_MESSAGE, decoding_error


class CompleteAvatarForm(AvatarPreferencesForm):
    """Wagtail's profile picture form, refusing a file that does not decode to the end."""

    def clean_avatar(self):
        upload = self.cleaned_data.get("avatar")
        if isinstance(upload, UploadedFile) and decoding_error(upload) is not None:
            raise ValidationError(DAMAGED_MESSAGE, code="damaged_image")
        return super().clean_avatar()


class AvatarSettingsPanel(account.AvatarSettingsPanel):
    template_name = "cms/account/avatar_panel.html"
    form_class = CompleteAvatarForm


class AccountView(account.AccountView):
    def get_panels(self):
        return [
            AvatarSettingsPanel(panel.request, panel.user, panel.profile)
            if type(panel) is account.AvatarSettingsPanel
            else panel
            for panel in super().get_panels()
        ]


account_view = never_cache(require_admin_access(AccountView.as_view()))
