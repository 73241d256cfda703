"""Form widgets the apps' forms share."""

from django import forms


class LongSelect(forms.Select):
    """A select of hundreds of options (the time zones), written by one template.

    Django's own select includes a template for every option and another for its
    attributes: two includes for each of the 600 time zones cost a profile page
    most of its time. This template writes the same markup with the options
    inline, escaped the same way.
    """

    template_name = "content/widgets/long_select.html"
