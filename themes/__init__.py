"""Per-site branding: a theme's colours, type, corner radius, logo and email frame.

Owns ``ThemeSettings`` (a Wagtail site setting), the WCAG contrast arithmetic
that refuses unreadable themes (``themes.contrast``), the presets themes start
from, and the template tags that turn a theme into CSS custom properties for
pages and into inline values for emails.

Depends on nothing else in Trellis; other apps use it only through its template
tags, never by importing it.
"""
