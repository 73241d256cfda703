"""Each program's things in the admin are for its own admins: a crawl of the real URLs.

Two programs, Alpha and Beta, each with enrolments, a policy, a matching run with an
approved and open proposals, a journey behind its template, a reported message and
insights. Pat administers Alpha only. Every URL and form of Beta is refused to Pat
(404, or Wagtail's "no permission"), changes nothing, and Beta never shows in Pat's
listings, filters, choosers, counts or exports; the same URLs answer for Alpha.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from insights import snapshots, tables
from journeys.factories import JourneyPageFactory, ProgramPageFactory
from journeys.models import Journey, JourneyPage, Message, MessageReport, OutboxEmail
from journeys.viewsets import upgrade_template_url
from matching.factories import EnrollmentFactory, policy_for
from matching.models import Enrollment, MatchingPolicy, MatchingRun, MatchProposal, RunStatus
from matching.services import review
from matching.services.runs import execute_run, start_run

pytestmark = pytest.mark.django_db

ADMIN_HOME = reverse("wagtailadmin_home")


@dataclass
class Scene:
    """One program and one of each thing of it that the admin reaches."""

    program: object
    template: object
    enrollment: object
    mentor: object
    policy: object
    run: object
    open_proposal: object
    approved: object
    journey: object
    report: object


def build(home, title, user_factory, superuser, admins=()) -> Scene:
    program = ProgramPageFactory(
        parent=home, title=f"{title} program", allow_message_reports=True, admins=list(admins)
    )
    template = JourneyPageFactory(parent=program, title=f"{title} journey")
    program.default_pair_journey = template
    program.default_circle_journey = template
    program.save_revision().publish()

    def enrol(n, role, seniority, department, capacity=1):
        user = user_factory(
            email=f"{title.lower()}-{role}-{n}@example.com",
            first_name=f"{title}{role.capitalize()}{n}",
            last_name="Person",
        )
        return EnrollmentFactory(
            program=program,
            user=user,
            role=role,
            seniority=seniority,
            department=department,
            capacity=capacity,
        )

    # Two places each: whoever the run leaves spare can still start a journey by hand.
    mentors = [enrol(n, "mentor", 6, f"Dept {n}", capacity=2) for n in range(3)]
    mentees = [enrol(n, "mentee", 3, f"Unit {n}") for n in range(3)]
    waiting = enrol(9, "mentee", 3, "Elsewhere")
    policy = policy_for(program, "knowledge")
    run = start_run(program, superuser)
    execute_run(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    proposals = list(run.proposals.order_by("pk"))
    assert len(proposals) >= 2
    review.approve(run, proposals[:1], by=superuser)
    journey = Journey.objects.get(program=program)
    # A newer revision of the template: the journey can be upgraded.
    template.save_revision().publish()
    members = list(journey.memberships.order_by("pk"))
    message = Message.objects.create(journey=journey, author=members[0], text=f"{title} words")
    report = MessageReport.objects.create(
        message=message, reporter=members[1], text=f"{title} words"
    )
    proposals[0].refresh_from_db()
    used = {p.mentor_id for p in proposals}
    spare = next((m for m in mentors if m.pk not in used), mentors[0])
    del mentees
    return Scene(
        program=program,
        template=template,
        enrollment=waiting,
        mentor=spare,
        policy=policy,
        run=run,
        open_proposal=proposals[1],
        approved=proposals[0],
        journey=journey,
        report=report,
    )


@pytest.fixture
def superuser(user_factory):
    return user_factory(
        email="root@example.com", is_superuser=True, is_staff=True, first_name="Root"
    )


@pytest.fixture
def pat(user_factory):
    """In "Program admins", and chosen as an admin of Alpha only."""
    return user_factory(email="pat@example.com", first_name="Pat", groups=["Program admins"])


@pytest.fixture
def alpha(home, user_factory, superuser, pat):
    return build(home, "Alpha", user_factory, superuser, admins=[pat])


@pytest.fixture
def beta(home, user_factory, superuser):
    """Run by whoever is chosen on it: the "Program admins" group is not."""
    return build(home, "Beta", user_factory, superuser)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def bulk_url(app, model, action, ids, **params) -> str:
    query = [("id", i) for i in ids] + list(params.items())
    url = reverse("wagtail_bulk_action", args=[app, model, action])
    return f"{url}?{urlencode(query)}"


def insights_tables(scene) -> list[str]:
    snapshots.work_out(scene.program.pk)
    return [*tables.all_tables(snapshots.read(scene.program).insights), "health"]


def program_urls(scene) -> dict[str, tuple[tuple[str, ...], str, dict]]:
    """Every admin URL of one program's things: name -> (methods, URL, data to send)."""
    e, policy, run, j, report = (
        scene.enrollment,
        scene.policy,
        scene.run,
        scene.journey,
        scene.report,
    )
    both, get, post = ("get", "post"), ("get",), ("post",)
    waiting = run.proposals.filter(status__in=review.OPEN).count()
    urls = {
        "enrolment inspect": (get, reverse("matching_enrolments:inspect", args=[e.pk]), {}),
        "enrolment edit": (
            both,
            reverse("matching_enrolments:edit", args=[e.pk]),
            {"role": "mentor", "capacity": "4", "status": "withdrawn", "department": "Taken"},
        ),
        "enrolment history": (get, reverse("matching_enrolments:history", args=[e.pk]), {}),
        "enrolment history results": (
            get,
            reverse("matching_enrolments:history_results", args=[e.pk]),
            {},
        ),
        "enrolment invitations": (
            both,
            bulk_url("matching", "enrollment", "resend_invitations", [e.pk]),
            {},
        ),
        "policy add": (
            both,
            reverse("matching_policies:add") + f"?program={scene.program.pk}",
            {"strategy": "similarity"},
        ),
        "policy edit": (
            both,
            reverse("matching_policies:edit", args=[policy.pk]),
            {"strategy": "similarity"},
        ),
        "policy delete": (both, reverse("matching_policies:delete", args=[policy.pk]), {}),
        "policy history": (get, reverse("matching_policies:history", args=[policy.pk]), {}),
        "policy history results": (
            get,
            reverse("matching_policies:history_results", args=[policy.pk]),
            {},
        ),
        "run": (get, reverse("matching_runs:inspect", args=[run.pk]), {}),
        "run approve chosen": (
            post,
            reverse("matching_runs:review", args=[run.pk]),
            {"action": "approve", "proposal": [scene.open_proposal.pk]},
        ),
        "run reject chosen": (
            post,
            reverse("matching_runs:review", args=[run.pk]),
            {"action": "reject", "proposal": [scene.open_proposal.pk]},
        ),
        "run approve all": (
            both,
            reverse("matching_runs:approve_all", args=[run.pk]),
            {"count": str(waiting)},
        ),
        "run again": (post, reverse("matching_runs:rerun", args=[run.pk]), {}),
        "proposal move": (
            both,
            reverse("matching_runs:move", args=[run.pk, scene.open_proposal.pk]),
            {"mentor": str(scene.mentor.pk)},
        ),
        "run matching": (
            post,
            reverse("matching_runs:start"),
            {"program": str(scene.program.pk)},
        ),
        "match end or re-match": (
            both,
            reverse("matching_rematch", args=[scene.approved.pk]),
            {"action": "end", "end-reason": "Moving on"},
        ),
        "journey inspect": (get, reverse("journeys_admin:inspect", args=[j.pk]), {}),
        "journey edit": (both, reverse("journeys_admin:edit", args=[j.pk]), {"status": "closed"}),
        "journey delete": (both, reverse("journeys_admin:delete", args=[j.pk]), {}),
        "journey history": (get, reverse("journeys_admin:history", args=[j.pk]), {}),
        "journey history results": (
            get,
            reverse("journeys_admin:history_results", args=[j.pk]),
            {},
        ),
        "journey usage": (get, reverse("journeys_admin:usage", args=[j.pk]), {}),
        "journey upgrade": (both, bulk_url("journeys", "journey", "upgrade", [j.pk]), {}),
        "template's journeys upgrade": (both, upgrade_template_url(scene.template), {}),
        "journey invitations": (
            both,
            bulk_url("journeys", "journey", "resend_invitations", [j.pk]),
            {},
        ),
        "report inspect": (get, reverse("message_reports:inspect", args=[report.pk]), {}),
        "report review": (post, reverse("message_reports:review", args=[report.pk]), {}),
        "report edit": (
            both,
            reverse("message_reports:edit", args=[report.pk]),
            {"reviewed_at": "2026-01-01 10:00"},
        ),
        "report delete": (both, reverse("message_reports:delete", args=[report.pk]), {}),
        "report history": (get, reverse("message_reports:history", args=[report.pk]), {}),
        "report usage": (get, reverse("message_reports:usage", args=[report.pk]), {}),
        "insights": (get, reverse("insights:program", args=[scene.program.pk]), {}),
        "program page edit": (
            both,
            reverse("wagtailadmin_pages:edit", args=[scene.program.pk]),
            {"title": "Taken over", "slug": "taken-over", "action-publish": "1"},
        ),
        "program page unpublish": (
            both,
            reverse("wagtailadmin_pages:unpublish", args=[scene.program.pk]),
            {},
        ),
        "program page delete": (
            both,
            reverse("wagtailadmin_pages:delete", args=[scene.program.pk]),
            {},
        ),
        "program page add a journey": (
            get,
            reverse("wagtailadmin_pages:add", args=["journeys", "journeypage", scene.program.pk]),
            {},
        ),
        "journey template edit": (
            both,
            reverse("wagtailadmin_pages:edit", args=[scene.template.pk]),
            {"title": "Taken over", "slug": "taken", "action-publish": "1"},
        ),
        "journey template history": (
            get,
            reverse("wagtailadmin_pages:history", args=[scene.template.pk]),
            {},
        ),
    }
    for key in insights_tables(scene):
        urls[f"insights export {key}"] = (
            get,
            reverse("insights:export", args=[scene.program.pk, key]),
            {},
        )
    return urls


def is_refused(response) -> bool:
    """404, 403, or Wagtail's redirect home saying one may not go there."""
    if response.status_code in (403, 404):
        return True
    if response.status_code == 302 and response["Location"] == ADMIN_HOME:
        return any("permission" in str(m) for m in get_messages(response.wsgi_request))
    return False


def snapshot(scene) -> dict:
    """Everything about a program that a forbidden request might have changed."""
    program = Page.objects.get(pk=scene.program.pk)
    template = Page.objects.get(pk=scene.template.pk)
    return {
        "enrollment": Enrollment.objects.filter(pk=scene.enrollment.pk).values().get(),
        "policies": list(MatchingPolicy.objects.filter(program=scene.program).values()),
        "runs": list(MatchingRun.objects.filter(program=scene.program).values_list("pk")),
        "proposals": list(
            MatchProposal.objects.filter(program=scene.program)
            .order_by("pk")
            .values_list("pk", "status", "mentor_id", "ended_on")
        ),
        "journeys": list(
            Journey.objects.filter(program=scene.program)
            .order_by("pk")
            .values_list("pk", "status", "template_revision_id")
        ),
        "report": MessageReport.objects.filter(pk=scene.report.pk)
        .values_list("reviewed_at", flat=True)
        .get(),
        "pages": (
            program.title,
            program.live,
            program.latest_revision_id,
            template.title,
            template.latest_revision_id,
            JourneyPage.objects.child_of(program).count(),
        ),
        "emails": OutboxEmail.objects.count(),
    }


# The crawl -----------------------------------------------------------------------------------


def test_every_url_and_form_of_another_program_is_refused_and_changes_nothing(alpha, beta, pat):
    client = login(pat)
    before = snapshot(beta)
    tried = []
    for name, (methods, url, data) in program_urls(beta).items():
        for method in methods:
            response = client.get(url) if method == "get" else client.post(url, data)
            assert is_refused(response), (name, method, url, response.status_code)
            assert "Beta" not in response.content.decode(), (name, method)
            tried.append((name, method))
    assert snapshot(beta) == before
    assert len(tried) > 60


# What the "Program admins" group may not do in any program: its model permissions leave
# deleting out, and nobody edits or deletes a report by hand.
NOT_FOR_THE_GROUP = {
    "report history",
    "report usage",
    "policy delete",
    "journey delete",
    "report edit",
    "report delete",
    "program page delete",
}


def test_the_same_urls_answer_an_admin_of_the_program(alpha, beta, pat):
    """So the crawl's refusals are the program's, not URLs that never work."""
    client = login(pat)
    for name, (methods, url, _data) in program_urls(alpha).items():
        if "get" not in methods:
            continue
        response = client.get(url)
        if name in NOT_FOR_THE_GROUP:
            assert is_refused(response), name
        else:
            assert not is_refused(response), (name, response.status_code)
    assert not is_refused(client.post(reverse("message_reports:review", args=[alpha.report.pk])))


def test_a_superuser_reaches_every_program(alpha, beta, superuser):
    client = login(superuser)
    for scene in (alpha, beta):
        for name in ("run", "journey inspect", "report inspect", "insights", "enrolment inspect"):
            _methods, url, _data = program_urls(scene)[name]
            assert client.get(url).status_code == 200, name


def test_a_run_of_another_program_cannot_be_approved_even_by_guessing(alpha, beta, pat):
    """Ids of another program's proposals posted to one's own run are refused too."""
    client = login(pat)
    response = client.post(
        reverse("matching_runs:review", args=[alpha.run.pk]),
        {"action": "approve", "proposal": [beta.open_proposal.pk]},
    )

    assert response.status_code == 302
    beta.open_proposal.refresh_from_db()
    assert beta.open_proposal.status == "proposed"


# Listings, filters, choosers, counts and exports ---------------------------------------------


LISTINGS = [
    "matching_enrolments:index",
    "matching_policies:index",
    "matching_runs:index",
    "matching_runs:start",
    "journeys_admin:index",
    "message_reports:index",
    "insights:index",
    "wagtailadmin_home",
]


@pytest.mark.parametrize("url_name", LISTINGS)
def test_listings_filters_and_choosers_show_only_ones_own_programs(alpha, beta, pat, url_name):
    response = login(pat).get(reverse(url_name))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Alpha" in html
    assert "Beta" not in html


@pytest.mark.parametrize("url_name", LISTINGS)
def test_a_superuser_lists_every_program(alpha, beta, superuser, url_name):
    if url_name == "wagtailadmin_home":
        pytest.skip("A superuser's home page has no programs panel.")
    html = login(superuser).get(reverse(url_name)).content.decode()

    assert "Alpha" in html
    assert "Beta" in html


@pytest.mark.parametrize(
    "url_name", ["matching_enrolments:index", "matching_runs:index", "journeys_admin:index"]
)
def test_filtering_by_another_program_shows_nothing_of_it(alpha, beta, pat, url_name):
    response = login(pat).get(reverse(url_name), {"program": beta.program.pk})

    assert "Beta" not in response.content.decode()


def select(html, name) -> str:
    return re.search(rf'<select name="{name}"[^>]*>.*?</select>', html, re.S).group(0)


@pytest.mark.parametrize("url_name", ["journeys_admin:index", "journeys_admin:start"])
def test_program_and_template_choices_offer_ones_own_programs(alpha, beta, pat, url_name):
    html = login(pat).get(reverse(url_name)).content.decode()

    assert "Alpha program" in select(html, "program")
    assert "Beta program" not in select(html, "program")
    assert "Alpha journey" in select(html, "template")
    assert "Beta journey" not in select(html, "template")


def start_by_hand(user, scene, mentor_id, mentee_id):
    """``user`` posts the start view for a pair on ``scene``'s program and template."""
    return login(user).post(
        reverse("journeys_admin:start"),
        {
            "program": scene.program.pk,
            "template": scene.template.pk,
            "started_on": timezone.localdate().isoformat(),
            "shape": "pair",
            "mentor": mentor_id,
            "mentee": mentee_id,
        },
    )


def test_another_programs_journey_cannot_be_started_by_hand(alpha, beta, pat):
    before = Journey.objects.count()
    response = start_by_hand(pat, beta, beta.mentor.user_id, beta.enrollment.user_id)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Journey.objects.count() == before


def test_the_start_views_person_pickers_offer_only_people_of_ones_own_programs(alpha, beta, pat):
    html = login(pat).get(reverse("journeys_admin:start")).content.decode()

    for name in ("mentor", "mentee", "members"):
        offered = select(html, name)
        # Alpha's enrolled people and its journey's members, and nobody of Beta alone.
        assert alpha.enrollment.user.email in offered
        assert alpha.mentor.user.email in offered
        assert all(m.user.email in offered for m in alpha.journey.memberships.all())
        assert beta.enrollment.user.email not in offered
        assert "beta-" not in offered
        assert "root@example.com" not in offered


def test_a_superuser_may_start_a_journey_for_anyone(alpha, beta, superuser, user_factory):
    newcomer = user_factory(email="newcomer@example.com")

    offered = select(
        login(superuser).get(reverse("journeys_admin:start")).content.decode(), "mentee"
    )

    assert newcomer.email in offered
    assert alpha.enrollment.user.email in offered
    assert beta.enrollment.user.email in offered


def test_a_person_of_another_program_cannot_be_started_on_ones_own(alpha, beta, pat):
    before = Journey.objects.count()
    response = start_by_hand(pat, alpha, alpha.mentor.user_id, beta.enrollment.user_id)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Journey.objects.count() == before


def test_a_person_of_ones_own_program_can_be_started_by_hand(alpha, beta, pat):
    response = start_by_hand(pat, alpha, alpha.mentor.user_id, alpha.enrollment.user_id)

    assert response.status_code == 302
    assert Journey.objects.filter(
        program=alpha.program, memberships__user=alpha.enrollment.user
    ).exists()


@pytest.mark.parametrize("url_name", ["matching_enrolments:index", "journeys_admin:index"])
def test_exports_hold_only_ones_own_programs(alpha, beta, pat, url_name):
    response = login(pat).get(reverse(url_name), {"export": "csv"})
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))

    assert len(rows) > 1
    body = "\n".join(",".join(row) for row in rows[1:])
    assert "Alpha" in body
    assert "Beta" not in body


def test_the_home_panel_counts_only_ones_own_programs(alpha, beta, pat):
    html = login(pat).get(ADMIN_HOME).content.decode()
    panel = re.search(r'id="trellis-programs-section".*?</section>', html, re.S).group(0)
    waiting = Enrollment.objects.waiting().filter(program=alpha.program).count()

    assert "Alpha program:\n" in panel
    assert f"{waiting} people waiting" in panel  # Alpha's, not Alpha's and Beta's
    assert "AlphaMentee9 Person" in panel  # never signed in
    assert "Beta" not in panel


def test_the_page_explorer_opens_on_ones_own_program_and_no_other(alpha, beta, pat, home):
    client = login(pat)
    alpha_pages = reverse("wagtailadmin_explore", args=[alpha.program.pk])

    assert client.get(reverse("wagtailadmin_explore_root"))["Location"] == alpha_pages
    assert client.get(reverse("wagtailadmin_explore", args=[home.pk]))["Location"] == alpha_pages
    html = client.get(alpha_pages).content.decode()
    assert "Alpha journey" in html
    assert "Beta" not in html
    beta_pages = client.get(reverse("wagtailadmin_explore", args=[beta.program.pk]))
    assert beta_pages["Location"] == alpha_pages  # as for any page one may not explore


def test_the_policy_chooser_offers_only_ones_own_programs(home, pat, user_factory, superuser):
    ProgramPageFactory(parent=home, title="Gamma program", admins=[pat])
    ProgramPageFactory(parent=home, title="Delta program")

    html = login(pat).get(reverse("matching_policies:choose")).content.decode()

    assert "Gamma program" in html
    assert "Delta program" not in html


# Someone in the group who runs no program, and sponsors --------------------------------------


def test_a_program_admin_chosen_on_no_program_sees_nothing(alpha, beta, user_factory):
    nobody = user_factory(email="idle@example.com", groups=["Program admins"])
    client = login(nobody)

    home = client.get(ADMIN_HOME).content.decode()
    assert "No program is yours to run yet" in home
    assert "Alpha" not in home and "Beta" not in home
    for url_name in LISTINGS[:-1]:
        response = client.get(reverse(url_name))
        assert is_refused(response), url_name
    for scene in (alpha, beta):
        for name, (_methods, url, _data) in program_urls(scene).items():
            if "get" in _methods:
                assert is_refused(client.get(url)), name


def test_a_sponsor_has_no_admin_access(alpha, user_factory):
    from journeys.factories import choose_people

    amara = user_factory(email="amara@example.com", groups=["Sponsors"])
    choose_people(alpha.program, "sponsor", [amara])
    client = login(amara)

    for url in (ADMIN_HOME, reverse("insights:index"), program_urls(alpha)["insights"][1]):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


# The People tab --------------------------------------------------------------------------------


def program_form(program, **people):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

    form = nested_form_data(
        {
            "title": program.title,
            "slug": program.slug,
            "summary": "",
            "intro": program.intro,
            "objectives": streamfield([]),
            "remind_days_before_due": "3",
            "nudge_after_inactive_days": "21",
            "erased_shared_text": "replace",
            "questions": inline_formset([]),
            "opt_in_attributes": inline_formset([]),
            "comments": inline_formset([]),
        }
    )
    for name, chosen in people.items():
        form[name] = [str(item.pk) for item in chosen]
    form["action-publish"] = "1"
    return form


def test_a_superuser_chooses_a_programs_people_on_its_people_tab(home, superuser, user_factory):
    from django.contrib.auth.models import Group

    program = ProgramPageFactory(parent=home, title="Gamma program")
    newcomer = user_factory(email="newcomer@example.com", groups=["Program admins"])
    amara = user_factory(email="amara@example.com")
    client = login(superuser)
    url = reverse("wagtailadmin_pages:edit", args=[program.pk])

    html = client.get(url).content.decode()
    assert "People" in html
    for name in ("admin_users", "admin_groups", "sponsor_users", "sponsor_groups"):
        assert f'name="{name}"' in html

    response = client.post(
        url,
        program_form(
            program,
            admin_users=[newcomer],
            admin_groups=[Group.objects.get(name="Editors")],
            sponsor_users=[amara],
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    program.refresh_from_db()
    assert list(program.admin_users.all()) == [newcomer]
    assert [g.name for g in program.admin_groups.all()] == ["Editors"]
    assert list(program.sponsor_users.all()) == [amara]
    assert login(newcomer).get(reverse("insights:program", args=[program.pk])).status_code == 200


def test_a_program_admin_edits_their_program_but_not_who_runs_it(alpha, pat, user_factory):
    other = user_factory(email="other@example.com", groups=["Program admins"])
    client = login(pat)
    url = reverse("wagtailadmin_pages:edit", args=[alpha.program.pk])

    html = client.get(url).content.decode()
    assert 'name="admin_users"' not in html
    assert 'name="sponsor_users"' not in html

    form = program_form(alpha.program, admin_users=[other], sponsor_users=[other])
    form["title"] = "Alpha program, renamed"
    response = client.post(url, form)

    assert response.status_code == 302, response.content.decode()[:2000]
    alpha.program.refresh_from_db()
    assert alpha.program.title == "Alpha program, renamed"
    assert list(alpha.program.admin_users.all()) == [pat]
    assert not alpha.program.sponsor_users.exists()


def test_the_sponsor_chooser_links_to_the_profile_only_for_who_may_edit_it(alpha, pat, superuser):
    from content.factories import LeaderProfileFactory

    sponsor = LeaderProfileFactory(name="Grace Sponsor")
    alpha.program.sponsor = sponsor
    alpha.program.save_revision().publish()
    url = reverse("wagtailadmin_pages:edit", args=[alpha.program.pk])
    profile_url = reverse("wagtailsnippets_content_leaderprofile:edit", args=[sponsor.pk])

    as_admin = login(pat).get(url).content.decode()
    as_superuser = login(superuser).get(url).content.decode()

    assert "Grace Sponsor" in as_admin
    assert profile_url not in as_admin
    assert profile_url in as_superuser


def sponsored_by_grace(program, user_factory):
    """The program's sponsor leader is Grace; Sam, another leader, has an account too."""
    from content.factories import LeaderProfileFactory

    grace = LeaderProfileFactory(
        name="Grace Sponsor", user=user_factory(email="grace@example.com")
    )
    sam = LeaderProfileFactory(name="Sam Leader", user=user_factory(email="sam@example.com"))
    program.sponsor = grace
    program.save_revision().publish()
    return grace, sam


def test_a_program_admin_sees_the_sponsor_leader_but_cannot_change_it(alpha, pat, user_factory):
    grace, sam = sponsored_by_grace(alpha.program, user_factory)
    client = login(pat)
    url = reverse("wagtailadmin_pages:edit", args=[alpha.program.pk])

    html = client.get(url).content.decode()
    assert 'name="sponsor"' not in html
    assert "Grace Sponsor" in html
    assert "The account linked to them gets the program&#x27;s insights" in html

    form = program_form(alpha.program)
    form["sponsor"] = str(sam.pk)
    form["title"] = "Alpha program, renamed"
    response = client.post(url, form)

    assert response.status_code == 302, response.content.decode()[:2000]
    alpha.program.refresh_from_db()
    assert alpha.program.title == "Alpha program, renamed"
    assert alpha.program.sponsor == grace
    sponsor_page = reverse("program_insights:page", args=[alpha.program.slug])
    assert login(sam.user).get(sponsor_page).status_code == 404
    assert login(grace.user).get(sponsor_page).status_code == 200


def test_a_program_made_by_an_editor_without_the_permission_has_no_sponsor(home, user_factory):
    from content.factories import LeaderProfileFactory
    from journeys.models import ProgramPage

    sam = LeaderProfileFactory(name="Sam Leader", user=user_factory(email="sam@example.com"))
    editor = user_factory(email="eddie@example.com", groups=["Editors"], is_staff=True)
    url = reverse("wagtailadmin_pages:add", args=["journeys", "programpage", home.pk])
    client = login(editor)

    html = client.get(url).content.decode()
    assert 'name="sponsor"' not in html

    form = program_form(ProgramPage(title="Delta program", slug="delta"))
    form["sponsor"] = str(sam.pk)
    form["action-publish"] = "1"
    response = client.post(url, form)

    assert response.status_code == 302, response.content.decode()[:2000]
    program = ProgramPage.objects.get(slug="delta")
    assert program.sponsor is None
    sponsor_page = reverse("program_insights:page", args=[program.slug])
    assert login(sam.user).get(sponsor_page).status_code == 404


def test_who_may_choose_a_programs_people_changes_its_sponsor_leader(
    alpha, superuser, user_factory
):
    grace, sam = sponsored_by_grace(alpha.program, user_factory)
    url = reverse("wagtailadmin_pages:edit", args=[alpha.program.pk])
    client = login(superuser)
    assert 'name="sponsor"' in client.get(url).content.decode()

    form = program_form(alpha.program)
    form["sponsor"] = str(sam.pk)
    response = client.post(url, form)

    assert response.status_code == 302, response.content.decode()[:2000]
    alpha.program.refresh_from_db()
    assert alpha.program.sponsor == sam
    sponsor_page = reverse("program_insights:page", args=[alpha.program.slug])
    assert login(sam.user).get(sponsor_page).status_code == 200
    assert login(grace.user).get(sponsor_page).status_code == 404


# The account linked to a sponsor leader ------------------------------------------------------
#
# The leader profile's own editor (the content library's snippet) can link the profile to
# another account; for a leader who sponsors a program, that is choosing a sponsor.


def leader_profile_edit_url(profile):
    return reverse("wagtailsnippets_content_leaderprofile:edit", args=[profile.pk])


def leader_profile_form(profile, account, publish=True):
    form = {
        "name": profile.name,
        "title": profile.title,
        "bio": profile.bio,
        "user": str(account.pk) if account is not None else "",
    }
    if publish:
        form["action-publish"] = "1"
    return form


def communications_editor(user_factory, may_choose_people=False):
    from django.contrib.auth.models import Permission

    editor = user_factory(email="cora@example.com", groups=["Communications"])
    if may_choose_people:
        editor.user_permissions.add(Permission.objects.get(codename="choose_program_people"))
    return editor


@pytest.mark.parametrize("publish", [True, False], ids=["publishing", "saving a draft"])
def test_an_editor_who_may_not_choose_a_programs_people_cannot_relink_its_sponsor_leader(
    program, user_factory, publish
):
    grace, _ = sponsored_by_grace(program, user_factory)
    newcomer = user_factory(email="newcomer@example.com")
    revisions = grace.revisions.count()
    client = login(communications_editor(user_factory))

    response = client.post(
        leader_profile_edit_url(grace), leader_profile_form(grace, newcomer, publish)
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Grace Sponsor sponsors the program “Growing leaders”" in html
    assert "Only someone who may choose who administers and sponsors a program" in html
    grace.refresh_from_db()
    assert grace.user.email == "grace@example.com"
    assert grace.revisions.count() == revisions
    sponsor_page = reverse("program_insights:page", args=[program.slug])
    assert login(newcomer).get(sponsor_page).status_code == 404
    assert login(grace.user).get(sponsor_page).status_code == 200


def test_an_editor_who_may_not_choose_a_programs_people_cannot_unlink_its_sponsor_leader(
    program, user_factory
):
    grace, _ = sponsored_by_grace(program, user_factory)
    client = login(communications_editor(user_factory))

    response = client.post(leader_profile_edit_url(grace), leader_profile_form(grace, None))

    assert response.status_code == 200
    assert "Grace Sponsor sponsors the program “Growing leaders”" in response.content.decode()
    grace.refresh_from_db()
    assert grace.user.email == "grace@example.com"


def test_an_editor_still_edits_the_rest_of_a_sponsor_leaders_profile(program, user_factory):
    grace, _ = sponsored_by_grace(program, user_factory)
    client = login(communications_editor(user_factory))
    form = leader_profile_form(grace, grace.user)
    form["title"] = "Chief People Officer"

    response = client.post(leader_profile_edit_url(grace), form)

    assert response.status_code == 302, response.content.decode()[:2000]
    grace.refresh_from_db()
    assert grace.title == "Chief People Officer"
    assert grace.user.email == "grace@example.com"


def test_an_editor_who_may_choose_a_programs_people_relinks_its_sponsor_leader(
    program, user_factory
):
    grace, _ = sponsored_by_grace(program, user_factory)
    old_account = grace.user
    newcomer = user_factory(email="newcomer@example.com")
    client = login(communications_editor(user_factory, may_choose_people=True))

    response = client.post(leader_profile_edit_url(grace), leader_profile_form(grace, newcomer))

    assert response.status_code == 302, response.content.decode()[:2000]
    grace.refresh_from_db()
    assert grace.user == newcomer
    sponsor_page = reverse("program_insights:page", args=[program.slug])
    assert login(newcomer).get(sponsor_page).status_code == 200
    assert login(old_account).get(sponsor_page).status_code == 404


@pytest.mark.parametrize("who", ["communications", "superuser"])
def test_the_usual_editors_relink_a_leader_who_sponsors_no_program(
    program, user_factory, superuser, who
):
    _, sam = sponsored_by_grace(program, user_factory)
    newcomer = user_factory(email="newcomer@example.com")
    editor = superuser if who == "superuser" else communications_editor(user_factory)

    response = login(editor).post(leader_profile_edit_url(sam), leader_profile_form(sam, newcomer))

    assert response.status_code == 302, response.content.decode()[:2000]
    sam.refresh_from_db()
    assert sam.user == newcomer
    sponsor_page = reverse("program_insights:page", args=[program.slug])
    assert login(newcomer).get(sponsor_page).status_code == 404


# A relink drafted while the leader sponsored nothing takes effect when it is published, by
# whichever way that happens: it is asked again then, of whoever publishes it.


def relink_drafted_then_sponsoring(program, user_factory, submit=False):
    """Cora saves (and with ``submit``, submits for review) a draft moving Grace's profile to
    a newcomer's account while Grace sponsors nothing; then Grace becomes the sponsor."""
    from content.factories import LeaderProfileFactory

    grace = LeaderProfileFactory(
        name="Grace Sponsor", user=user_factory(email="grace@example.com")
    )
    newcomer = user_factory(email="newcomer@example.com")
    form = leader_profile_form(grace, newcomer, publish=False)
    if submit:
        form["action-submit"] = "1"
    response = login(communications_editor(user_factory)).post(
        leader_profile_edit_url(grace), form
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grace.refresh_from_db()
    assert grace.user.email == "grace@example.com"
    assert grace.get_latest_revision_as_object().user == newcomer
    program.sponsor = grace
    program.save_revision().publish()
    return grace, newcomer


def assert_still_linked_to_grace(program, grace, newcomer, publishes_before):
    grace.refresh_from_db()
    assert grace.user.email == "grace@example.com"
    assert grace.get_latest_revision_as_object().user == newcomer  # the draft waits
    assert publish_count(grace) == publishes_before
    sponsor_page = reverse("program_insights:page", args=[program.slug])
    assert login(newcomer).get(sponsor_page).status_code == 404
    assert login(grace.user).get(sponsor_page).status_code == 200


def publish_count(profile):
    from wagtail.models import ModelLogEntry

    return (
        ModelLogEntry.objects.for_instance(profile)
        .filter(action__in=["wagtail.publish", "wagtail.publish.scheduled"])
        .count()
    )


def test_approving_a_drafted_relink_of_a_leader_who_now_sponsors_is_refused(program, user_factory):
    from wagtail.models import TaskState, WorkflowState

    grace, newcomer = relink_drafted_then_sponsoring(program, user_factory, submit=True)
    task_state = grace.current_workflow_task_state
    approver = user_factory(email="ann@example.com", groups=["Communications"])
    before = publish_count(grace)
    url = reverse(
        "wagtailsnippets_content_leaderprofile:workflow_action",
        args=[grace.pk, "approve", task_state.pk],
    )

    client = login(approver)

    response = client.post(url, {"comment": "Looks right."})

    assert response.status_code == 302
    assert response["Location"] == leader_profile_edit_url(grace)
    messages = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert [level for level, _ in messages] == ["error"], messages
    assert "Grace Sponsor sponsors the program “Growing leaders”" in messages[0][1]
    assert_still_linked_to_grace(program, grace, newcomer, before)
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    assert grace.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Only someone who may choose who administers and sponsors a program" in (
        page.content.decode()
    )


def test_approving_it_in_the_review_modal_says_why_too(program, user_factory):
    grace, newcomer = relink_drafted_then_sponsoring(program, user_factory, submit=True)
    approver = user_factory(email="ann@example.com", groups=["Communications"])
    url = reverse(
        "wagtailsnippets_content_leaderprofile:workflow_action",
        args=[grace.pk, "approve", grace.current_workflow_task_state.pk],
    )

    response = login(approver).post(
        url, {"comment": ""}, headers={"x-requested-with": "XMLHttpRequest"}
    )

    assert response.status_code == 200
    assert response.json()["step"] == "success"
    assert response.json()["redirect"] == leader_profile_edit_url(grace)
    messages = [m.level_tag for m in get_messages(response.wsgi_request)]
    assert messages == ["error"]
    assert_still_linked_to_grace(program, grace, newcomer, 0)


def test_who_may_choose_a_programs_people_approves_the_drafted_relink(program, user_factory):
    from django.contrib.auth.models import Permission

    grace, newcomer = relink_drafted_then_sponsoring(program, user_factory, submit=True)
    approver = user_factory(email="ann@example.com", groups=["Communications"])
    approver.user_permissions.add(Permission.objects.get(codename="choose_program_people"))
    url = reverse(
        "wagtailsnippets_content_leaderprofile:workflow_action",
        args=[grace.pk, "approve", grace.current_workflow_task_state.pk],
    )

    response = login(approver).post(url, {"comment": ""})

    assert response.status_code == 302
    grace.refresh_from_db()
    assert grace.user == newcomer
    sponsor_page = reverse("program_insights:page", args=[program.slug])
    assert login(newcomer).get(sponsor_page).status_code == 200


def test_publishing_a_drafted_relink_from_the_editor_is_refused(program, user_factory):
    """Grace may edit and publish her own profile; the account field is not hers to see, so
    the draft's account rides along with what she publishes, and is refused with it."""
    from django.contrib.auth.models import Group, Permission

    grace, newcomer = relink_drafted_then_sponsoring(program, user_factory)
    grace.user.groups.add(Group.objects.get(name="Senior leaders"))
    grace.user.user_permissions.add(Permission.objects.get(codename="publish_leaderprofile"))
    client = login(grace.user)
    assert 'name="user"' not in client.get(leader_profile_edit_url(grace)).content.decode()
    revisions = grace.revisions.count()
    form = leader_profile_form(grace, None)
    del form["user"]
    form["title"] = "Chief People Officer"

    response = client.post(leader_profile_edit_url(grace), form)

    assert response.status_code == 302
    assert response["Location"] == leader_profile_edit_url(grace)
    messages = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert [level for level, _ in messages] == ["error"], messages
    assert "Grace Sponsor sponsors the program “Growing leaders”" in messages[0][1]
    assert_still_linked_to_grace(program, grace, newcomer, 0)
    assert grace.revisions.count() == revisions  # nothing of the refused publish is kept
    assert grace.title != "Chief People Officer"


def schedule(profile, editor, **changes):
    """``editor`` publishes a draft of ``profile`` with ``changes``, to go live in an hour.

    The profile is live first: scheduling one that never was writes the draft straight away.
    """
    import datetime

    profile.save_revision().publish()
    profile.refresh_from_db()
    for name, value in changes.items():
        setattr(profile, name, value)
    profile.go_live_at = timezone.now() + datetime.timedelta(hours=1)
    revision = profile.save_revision(user=editor)
    revision.publish(user=editor)
    revision.refresh_from_db()
    assert revision.approved_go_live_at is not None
    return revision


def run_scheduled_publishing_after(*revisions):
    """Move the revisions' go-live time to a minute ago, then run the worker's task."""
    import datetime

    from content.tasks import publish_scheduled

    go_live_at = timezone.now() - datetime.timedelta(minutes=1)
    for revision in revisions:
        revision.approved_go_live_at = go_live_at
        revision.content["go_live_at"] = go_live_at.isoformat()
        revision.save(update_fields=["approved_go_live_at", "content"])
    publish_scheduled()


def test_a_relink_scheduled_before_its_leader_sponsored_does_not_go_live(program, user_factory):
    from content.factories import LeaderProfileFactory

    grace = LeaderProfileFactory(
        name="Grace Sponsor", user=user_factory(email="grace@example.com")
    )
    newcomer = user_factory(email="newcomer@example.com")
    sam = LeaderProfileFactory(name="Sam Leader", bio="Before.")
    editor = communications_editor(user_factory)
    relink = schedule(grace, editor, user=newcomer)
    sams_bio = schedule(sam, editor, bio="After.")
    program.sponsor = grace
    program.save_revision().publish()
    before = publish_count(grace)

    run_scheduled_publishing_after(relink, sams_bio)

    assert_still_linked_to_grace(program, grace, newcomer, before)
    relink.refresh_from_db()
    assert relink.approved_go_live_at is None  # unscheduled, not tried again every minute
    sam.refresh_from_db()
    assert sam.bio == "After."  # what else was due still went live


def test_a_relink_scheduled_by_who_may_choose_a_programs_people_goes_live(program, user_factory):
    from content.factories import LeaderProfileFactory

    grace = LeaderProfileFactory(
        name="Grace Sponsor", user=user_factory(email="grace@example.com")
    )
    program.sponsor = grace
    program.save_revision().publish()
    newcomer = user_factory(email="newcomer@example.com")
    editor = communications_editor(user_factory, may_choose_people=True)
    revision = schedule(grace, editor, user=newcomer)

    run_scheduled_publishing_after(revision)

    grace.refresh_from_db()
    assert grace.user == newcomer


# The audit log -------------------------------------------------------------------------------


def test_the_site_history_shows_each_programs_entries_to_its_admins_alone(
    alpha, beta, pat, superuser
):
    from wagtail.log_actions import log

    from journeys.models import ProgramLogEntry

    for scene in (alpha, beta):
        for thing in (scene.journey, scene.enrollment, scene.run, scene.report, scene.policy):
            entry = log(instance=thing, action="wagtail.edit", user=superuser)
            assert isinstance(entry, ProgramLogEntry)
            assert entry.program_id == scene.program.pk
    history = reverse("wagtailadmin_reports:site_history")

    html = login(pat).get(history).content.decode()
    assert "AlphaMentee9" in html
    assert "Beta" not in html
    everything = login(superuser).get(history).content.decode()
    assert "AlphaMentee9" in everything and "BetaMentee9" in everything


def test_another_programs_history_is_not_found(alpha, beta, pat, superuser):
    from wagtail.log_actions import log

    log(instance=beta.journey, action="wagtail.edit", user=superuser)

    response = login(pat).get(reverse("journeys_admin:history", args=[beta.journey.pk]))
    assert response.status_code == 404
    response = login(superuser).get(reverse("journeys_admin:history", args=[beta.journey.pk]))
    assert "Beta journey" in response.content.decode()


PAGE_TYPES_REPORTS = ["page_types_usage", "page_types_usage_results"]


@pytest.mark.parametrize("name", PAGE_TYPES_REPORTS)
def test_the_page_types_report_is_refused_to_an_admin_of_some_programs(alpha, beta, pat, name):
    # Beta's page becomes the program type's "last edited" page, which the report names.
    beta.program.save_revision().publish()

    response = login(pat).get(reverse(f"wagtailadmin_reports:{name}"))

    assert is_refused(response)
    assert "Beta" not in response.content.decode()


def test_the_reports_menu_leaves_the_page_types_report_out_for_them(alpha, pat):
    html = login(pat).get(reverse("wagtailadmin_reports:site_history")).content.decode()

    assert reverse("wagtailadmin_reports:site_history") in html
    assert reverse("wagtailadmin_reports:page_types_usage") not in html


@pytest.mark.parametrize("who", ["superuser", "editor"])
def test_superusers_and_site_editors_keep_the_page_types_report(
    alpha, beta, superuser, user_factory, who
):
    """An editor's rights, given on the whole site, reach every program's pages anyway."""
    beta.program.save_revision().publish()
    person = superuser if who == "superuser" else user_factory(groups=["Editors"])
    client = login(person)

    response = client.get(reverse("wagtailadmin_reports:page_types_usage"))

    assert response.status_code == 200
    assert "Beta program" in response.content.decode()
    menu = client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert reverse("wagtailadmin_reports:page_types_usage") in menu


def test_whether_rights_stop_at_programs_is_read_from_wagtails_kept_permissions(
    alpha, pat, superuser, django_assert_num_queries
):
    from wagtail.models import Page
    from wagtail.permissions import policy_registry

    from journeys.admin_access import page_rights_within_programs

    # Wagtail reads them once a request, for its menus; the check then costs nothing.
    policy_registry.get_by_type(Page).get_cached_permissions_for_user(pat)
    with django_assert_num_queries(0):
        assert page_rights_within_programs(pat)
        assert not page_rights_within_programs(superuser)
