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
from .notifications import EmailChoice, Notification, NotificationKind, ParticipantPreferences
from .programs import JourneyPage, Measure, ObjectiveBlock, ProgramPage

__all__ = [
    "AGREED_ACTIONS_MAX_LENGTH",
    "GOAL_MAX_LENGTH",
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
