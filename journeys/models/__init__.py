from .insights import ContentView, InsightsDigest
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
from .programs import JourneyPage, Measure, ObjectiveBlock, ProgramPage

__all__ = [
    "ContentView",
    "EmailChoice",
    "Goal",
    "GoalStatus",
    "InsightsDigest",
    "Journey",
    "JourneyMember",
    "JourneyPage",
    "JourneyQuerySet",
    "JourneyStatus",
    "Measure",
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
