"""Who walks together: enrolment, matching policy, scoring and solving, runs and review.

Depends on journeys and content; only insights (and the cms wiring) import from here.
"""
