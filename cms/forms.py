"""Forms the project's own account pages use in place of Django's."""

from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import password_validators_help_texts


class NewPasswordForm(SetPasswordForm):
    """Django's form for a new password, with the password rules as plain text.

    Django gives the rules as an HTML list and its own templates print help
    text with ``|safe``; Trellis prints every help text escaped (a program's
    questions carry help text editors type), so the rules become sentences.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = " ".join(password_validators_help_texts())
