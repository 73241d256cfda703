"""The demo organisation: Harbourline Logistics and its mentoring programme.

``seed.seed_demo`` builds it from the factories in ``content.factories``; the
words people read live as plain data in ``library`` and ``stories`` so that
editing the demo's prose never means touching the seeding logic.
"""
