"""factory_boy factories for enrolments and policies; the tests, the demo and the
benchmark share them."""

import factory

from .models import Enrollment, MatchingPolicy, RoleWanted
from .services.criteria import apply_preset


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment
        skip_postgeneration_save = True

    program = None
    user = None
    role = RoleWanted.MENTEE
    capacity = 1
    department = "Operations"
    location = "Rotterdam"
    time_zone = "Europe/Amsterdam"
    seniority = 3
    languages = factory.LazyFunction(lambda: ["en"])

    @factory.post_generation
    def offers(self, create, extracted, **kwargs):
        if extracted:
            self.topics_offered.set(extracted)

    @factory.post_generation
    def seeks(self, create, extracted, **kwargs):
        if extracted:
            self.topics_sought.set(extracted)


def policy_for(program, strategy="knowledge", **overrides) -> MatchingPolicy:
    """A saved policy for ``program`` from a preset, with ``overrides`` applied."""
    policy = MatchingPolicy.objects.filter(program=program).first() or MatchingPolicy(
        program=program
    )
    apply_preset(policy, strategy)
    for name, value in overrides.items():
        setattr(policy, name, value)
    policy.save()
    return policy
