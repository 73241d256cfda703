from .insights import ContentView, InsightsDigest
from .journeys import (
    AGREED_ACTIONS_MAX_LENGTH,
    GOAL_MAX_LENGTH,
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
    "AGREED_ACTIONS_MAX_LENGTH",
    "GOAL_MAX_LENGTH",
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
