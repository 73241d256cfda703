"""The demo organisation: Harbourline Logistics and its mentoring program.

``seed.seed_demo`` builds it from the factories in ``content.factories`` and
``journeys.factories``, then ``journeys.seed_program`` starts the program's
journeys through the journeys services. The words people read live as plain
data in ``library``, ``stories`` and ``program`` so that editing the demo's
prose never means touching the seeding logic.
"""
