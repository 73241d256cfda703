from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from .models import LeaderProfile
from .permissions import LeaderProfilePermissionPolicy
from .viewsets import LeaderProfileViewSet, TopicViewSet

register_permission_policy(LeaderProfile, LeaderProfilePermissionPolicy(LeaderProfile))
register_snippet(TopicViewSet)
register_snippet(LeaderProfileViewSet)
