"""Insights: program health for its admins and sponsors, from aggregates only.

Owns the program dashboard in the admin (``views``, ``viewsets``), the sponsor's
page on the site (``site_views`` and ``urls``, its words in ``sponsor``, its
charts in ``site_charts``), the figures behind both (``compute``, with the health
score in ``health``) worked out by tasks into snapshots (``snapshots``, ``tasks``,
``receivers``), the dashboard's
charts (``charts``) and tables with their CSV exports (``tables``), who may see
what (``permissions``), recording which materials people open (``tracking``)
and the weekly digest (``digest``). How it all works, for people:
``docs/insights.md``.

Rules every part keeps:

* Nobody's words. Nothing here reads the text of a reflection, a meeting's
  notes or actions, a goal, or an enrolment's free-text answers: only counts,
  dates, states and 1–5 pulse ratings. Private reflections are never loaded.
* Small groups are hidden. A breakdown by an opt-in attribute shows a group
  only when at least ``MIN_GROUP`` (5) people are in it; smaller groups read
  "fewer than 5", in the page, in the CSV and in the digest alike.
* Names are for a program's admins. Anyone with ``journeys.view_insights`` (the
  "Program admins" group, superusers) sees the programs they administer
  (``services.access``) and the names of the people in journeys that need
  attention; sponsors do not use the admin, and their digest has counts in
  place of names.
* A fixed number of queries. A dashboard costs the same number of queries for
  3 journeys or 20,000: every table is read once for the whole program, and the
  journey engine runs over a single stream of completions.

Insights sit above the other apps: they may import ``matching``, ``journeys``
and ``content`` (enrolment figures come straight from matching's tables, see
``enrolment``), and none of those may import insights. What happens below is
announced through signals (``journeys.signals``) that ``receivers`` listen to.
"""
