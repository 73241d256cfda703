"""Who walks together: enrolment, matching policy, scoring and solving, runs and review.

Depends on journeys and content; nothing imports from here.
"""
