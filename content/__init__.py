"""The content library: pages and snippets editors and senior leaders author.

Owns ``BasePage`` (every page type inherits it), topics, leader profiles,
materials, leader stories, the shared StreamField blocks, the one path by
which untrusted text becomes HTML (``content.markdown``), and the check that
an image decodes before it is stored or shown (``content.images``), and the
schedule that publishes and unpublishes at the times editors set
(``content.tasks``).

Depends on nothing else in Trellis. Higher apps (journeys, matching, insights) import
from here; this app never imports from them.
"""
