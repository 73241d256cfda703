"""Images that decode all the way through.

Wagtail checks an upload's header, size and pixel count, then decodes the
first frame to read its size and lets a decoding error escape: a file cut
short in transit (an interrupted upload, a partial copy) has a sound header,
so the upload answers 500 instead of saying what is wrong. Once stored, such a
file fails again each time a rendition is made, and the page showing it
answers 500. The rules this module keeps:

* Every upload through Wagtail's image form (the single and multiple upload,
  the choosers' upload, replacing an image's file) is decoded with Pillow,
  every frame of it, after Wagtail's own checks, so a damaged file is refused
  with a form error. ``ImageForm`` is the form's base, named by the
  ``WAGTAILIMAGES_IMAGE_FORM_BASE`` setting.
* ``decoding_error`` is the one test of "damaged"; the admin's profile
  picture form (in ``cms``) uses it too.
* Site templates show images with ``{% image_if_readable %}``
  (``content_tags``): Wagtail's ``{% image %}``, except that a stored file that
  turns out damaged renders nothing, and is logged, instead of failing the page.
"""

from __future__ import annotations

from io import BytesIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage
from PIL import ImageSequence
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm
from wagtail.images.models import SourceImageIOError

DAMAGED_MESSAGE = _("This image file is incomplete or damaged; upload it again.")
TOO_MANY_PIXELS_MESSAGE = _(
    "This picture has too many pixels: up to %(millions)s million fit. Save a smaller "
    "copy of it (2,000 pixels across is plenty) and upload that."
)


def decoding_error(source) -> Exception | None:
    """Why Pillow cannot decode every frame of ``source``, or None when it can.

    ``source`` is a path or a binary file; a file is read from its start and
    left there. Pillow signals damaged data with many exception types
    (``OSError``, ``SyntaxError``, ``ValueError``, ``EOFError``, zlib's and
    struct's errors), so anything it raises counts.
    """
    if not isinstance(source, str):
        source.seek(0)
        data = source.read()
        source.seek(0)
        source = BytesIO(data)
    try:
        with PILImage.open(source) as image:
            for frame in ImageSequence.Iterator(image):
                frame.load()
    except Exception as error:
        return error
    return None


def stored_image_is_damaged(image) -> bool:
    """Whether ``image``'s stored file is there but cannot be decoded.

    A missing file is not "damaged": Wagtail already shows a placeholder for it.
    """
    if image.is_svg():
        return False
    try:
        with image.open_file() as stored:
            return decoding_error(stored) is not None
    except SourceImageIOError:
        return False


class CompleteImageField(WagtailImageField):
    """Wagtail's image field, refusing a file that does not decode to the end."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_messages["damaged_image"] = DAMAGED_MESSAGE

    def damaged(self) -> ValidationError:
        return ValidationError(self.error_messages["damaged_image"], code="damaged_image")

    def check_image_pixel_size(self, f):
        """Wagtail's check decodes the first frame; a decoding error becomes a form error.

        An image over the pixel limit is refused in plain words, with the limit in
        millions of pixels: Wagtail's own message gives the count as "unknown
        number" when Pillow refuses to open the file at all.
        """
        try:
            super().check_image_pixel_size(f)
        except ValidationError as error:
            if error.code != "file_too_many_pixels":
                raise
            raise ValidationError(
                TOO_MANY_PIXELS_MESSAGE % {"millions": self._millions_of_pixels()},
                code="file_too_many_pixels",
            ) from None
        except Exception as error:
            raise self.damaged() from error

    def _millions_of_pixels(self) -> str:
        # Wagtail's limit (WAGTAILIMAGES_MAX_IMAGE_PIXELS), or where Pillow refuses to open.
        limit = self.max_image_pixels or 2 * PILImage.MAX_IMAGE_PIXELS
        return f"{limit / 1_000_000:,.0f}"

    def check_image_is_complete(self, f):
        if f.image.format_name == "svg":
            return
        source = f.temporary_file_path() if hasattr(f, "temporary_file_path") else f
        error = decoding_error(source)
        if error is not None:
            raise self.damaged() from error

    def to_python(self, data):
        f = super().to_python(data)
        if f is not None:
            self.check_image_is_complete(f)
        return f


class ImageForm(BaseImageForm):
    """Wagtail's base image form with the file checked by ``CompleteImageField``.

    Wagtail builds its image forms from this base (``WAGTAILIMAGES_IMAGE_FORM_BASE``)
    but makes the file field itself, so the field is exchanged here, keeping
    Wagtail's label, widget and requiredness.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        if field is not None and not isinstance(field, CompleteImageField):
            self.fields["file"] = CompleteImageField(
                label=field.label,
                required=field.required,
                widget=field.widget,
                initial=field.initial,
            )
