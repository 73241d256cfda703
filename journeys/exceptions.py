"""Errors the journeys services raise; views turn them into messages or 404s."""


class JourneyError(Exception):
    """Something asked of a journey cannot be done; the message says why."""


class NotAMember(JourneyError):
    """The person is not a current member of the journey."""


class JourneyEnded(JourneyError):
    """The journey is completed or closed: it is kept as a record and no longer changes."""


class UnknownStep(JourneyError):
    """The milestone or step is not part of the journey's template revision."""


class StepNotAvailable(JourneyError):
    """The step exists but cannot be acted on now (locked, or another audience's)."""


class InvalidJourney(JourneyError):
    """A journey cannot be started as asked (members, roles, template)."""


class StaleReflection(JourneyError):
    """A reflection was saved from an older version than the one stored.

    Carries the stored reflection so the author can see both texts and choose.
    """

    def __init__(self, message, current):
        super().__init__(message)
        self.current = current


class MessageLocked(JourneyError):
    """A message can no longer be changed: it is someone else's, deleted, or too old."""


class ReportRefused(JourneyError):
    """A message cannot be reported: reporting is off, or it is the member's own or deleted."""
