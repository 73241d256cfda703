"""Errors the project's own services raise, each with a sentence to show."""


class ErasureRefused(Exception):
    """An erasure that may not go ahead; nothing was changed."""
