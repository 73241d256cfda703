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
from .notifications import (
    Delivery,
    EmailChoice,
    Notification,
    NotificationKind,
    ParticipantPreferences,
)
from .outbox import EmailStatus, OutboxEmail
from .programs import JourneyPage, Measure, ObjectiveBlock, ProgramPage

__all__ = [
    "ContentView",
    "Delivery",
    "EmailChoice",
    "EmailStatus",
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
    "OutboxEmail",
    "ParticipantPreferences",
    "ProgramPage",
    "PulseResponse",
    "Reflection",
    "StepCompletion",
]
