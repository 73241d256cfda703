"""Admin and hook registrations for themes."""

from wagtail import hooks

from .models import theme_for_request


@hooks.register("kept_page_key")
def theme_version(request):
    """Kept (cached) participant pages carry the theme's CSS: a saved theme is news."""
    theme = theme_for_request(request)
    return (theme.pk, theme.updated_at.timestamp() if theme.updated_at else 0)
