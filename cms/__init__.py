"""Project wiring: settings, urls, the user model, the home page, base templates,
system checks and cross-app commands (``seed_demo``).

``cms`` may import from every app; no app imports from ``cms`` except for the
user model, which they reach through ``settings.AUTH_USER_MODEL``.
"""
