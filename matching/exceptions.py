"""Errors matching raises with a message meant for the person who caused them."""


class MatchingError(Exception):
    """Matching cannot go ahead; the message says why and what to change."""
