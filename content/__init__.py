"""The content library: pages and snippets editors and senior leaders author.

Owns ``BasePage`` (every page type inherits it), topics, leader profiles,
materials, leader stories, the shared StreamField blocks, and the one path by
which untrusted text becomes HTML (``content.markdown``).

Depends on nothing else in Trellis. Higher apps (journeys, matching) import
from here; this app never imports from them.
"""
