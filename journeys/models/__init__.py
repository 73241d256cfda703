from .journeys import (
    Goal,
    GoalStatus,
    Journey,
    JourneyMember,
    JourneyQuerySet,
    JourneyStatus,
    Meeting,
    MemberRole,
    PulseResponse,
    Reflection,
    StepCompletion,
)
from .notifications import EmailChoice, Notification, NotificationKind, ParticipantPreferences
from .programs import JourneyPage, ObjectiveBlock, ProgramPage

__all__ = [
    "EmailChoice",
    "Goal",
    "GoalStatus",
    "Journey",
    "JourneyMember",
    "JourneyPage",
    "JourneyQuerySet",
    "JourneyStatus",
    "Meeting",
    "MemberRole",
    "Notification",
    "NotificationKind",
    "ObjectiveBlock",
    "ParticipantPreferences",
    "ProgramPage",
    "PulseResponse",
    "Reflection",
    "StepCompletion",
]
