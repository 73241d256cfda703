"""The user model and the site's home page."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.search import index

from content.models import BasePage

# Erased people keep their row (journeys and figures keep their counts) under an
# address that can never receive mail: ".invalid" is reserved (RFC 2606).
ERASED_EMAIL_DOMAIN = "@erased.invalid"


class EmailUserManager(UserManager):
    """Creates users keyed by email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Every user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person in the organisation. People sign in with their work email."""

    username = None
    email = models.EmailField(
        _("email address"),
        unique=True,
        help_text=_("Work email address; people sign in with it."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    objects = EmailUserManager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        permissions = [("erase_user", "Can erase a person's data")]

    def __str__(self):
        return self.get_full_name() or self.email

    @property
    def is_erased(self) -> bool:
        """Whether the person's data was erased: their address is the placeholder."""
        return self.email.endswith(ERASED_EMAIL_DOMAIN)

    def clean(self):
        """Check the address as it will be stored, so that one taken in another case
        is refused on the form rather than by the database."""
        super().clean()
        self.email = (self.email or "").strip().lower()

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)


class HomePage(BasePage):
    """The organisation's front door: a welcome and the way into the library."""

    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link"],
        max_length=1000,
        help_text=_("A short welcome shown under the page title."),
    )

    content_panels = [*BasePage.content_panels, FieldPanel("intro")]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("intro"),
        index.AutocompleteField("intro"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "content.LibraryIndexPage",
        "content.StoriesIndexPage",
        "journeys.ProgramPage",
    ]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")


class Invitation(models.Model):
    """An invitation for a person whose account was made for them to sign in the first time.

    The link in the email carries this row's id, signed with the site's secret
    key when the email is sent; the row says whether the link may still be
    used: it expires (``expires_at``), serves once (``used_at``, set when
    its person first signs in, by any way) and only while the account keeps
    the address it was sent to (``email``). A fresh invitation replaces the
    person's earlier ones.
    """

    user = models.ForeignKey("cms.User", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(
        help_text=_(
            "The address the invitation was sent to; the link stops working if the "
            "person's address is changed."
        ),
    )
    invited_by = models.ForeignKey(
        "cms.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who asked for the invitation; empty when Trellis sent it by itself."),
    )
    program = models.ForeignKey(
        "journeys.ProgramPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The program the person is invited to, if any."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    replaced = models.BooleanField(
        default=False, help_text=_("A newer invitation to the same person replaced this one.")
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="invitation_user_idx")]

    def __str__(self):
        return f"Invitation {self.pk} for user {self.user_id}"
