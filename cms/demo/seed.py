"""Seed the demo organisation, Harbourline Logistics, from the shared factories.

Rules this module enforces:

* It only ever writes to an empty database or to one it seeded itself. Any
  user whose email is not on ``DEMO_EMAIL_DOMAIN``, or any page other than the
  tree root, Wagtail's default welcome page and a previous demo's pages, makes
  it refuse before it changes anything.
* Once the demo users exist it changes nothing and returns at once, so
  ``make demo`` can call it on every start; only the port its two sites
  answer on follows ``port``, so that the links in emails lead to the demo
  however it was started before.
* The same seed gives the same content. Every random choice (people's names,
  when each page was published) comes from one ``random.Random(seed)``, and
  factory_boy is reseeded with the same number.
* It all happens in one transaction: a failure leaves the database as it was.
* The journeys under way are dated relative to the seed day (the day of
  ``now``), so every milestone state shows whenever the demo is seeded; see
  ``journeys.seed_program``.
* There are two sites, one per business unit: Harbourline Logistics on
  ``127.0.0.1`` (the default site) and Harbourline Cold Chain on
  ``localhost`` (``second_site``), each with its own theme and programs.
"""

import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import factory.random
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.text import slugify
from wagtail.admin import signal_handlers as wagtail_notifiers
from wagtail.models import Page, Revision, Site, TaskState, WorkflowState
from wagtail.signals import task_submitted, workflow_submitted

from cms.models import HomePage, Invitation
from content.factories import (
    LeaderProfileFactory,
    LeaderStoryPageFactory,
    LibraryIndexPageFactory,
    MaterialPageFactory,
    StoriesIndexPageFactory,
    TopicFactory,
)
from content.models import LeaderProfile
from insights import snapshots
from journeys.models import Journey, ProgramPage
from matching.models import Enrollment, MatchingRun, MatchProposal, RunStatus
from matching.services.approval import APPROVABLE
from matching.services.profiles import fill_from_enrollments
from themes.models import ThemeSettings

from . import second_site
from .journeys import participants_needed, seed_program
from .library import MATERIALS, TOPICS
from .profiles import seed_profiles
from .program import PARTICIPANT_NAMES
from .stories import LEADERS, STORIES

DEMO_EMAIL_DOMAIN = "harbourline-demo.example"
DEMO_PASSWORD = "grow-together"  # noqa: S105 - a published demo password, by design
DEMO_HOME_SLUG = "harbourline"
DEMO_SITE_NAME = "Harbourline mentoring"
DEMO_HOSTNAME = "127.0.0.1"
DEFAULT_PORT = 8000
# The home page and the two indexes look as if the site launched this long ago.
SITE_AGE = timedelta(days=400)

EDITOR_SNIPPET_PERMISSIONS = (
    "add_topic",
    "change_topic",
    "delete_topic",
    "add_leaderprofile",
    "change_leaderprofile",
    "publish_leaderprofile",
)

# People with demo logins who are not leaders get names drawn from here, so a
# different seed gives a visibly different cast.
NAME_POOL = (
    ("Aisha", "Bello"),
    ("Callum", "Reid"),
    ("Chloe", "Hughes"),
    ("Daniel", "Kowalski"),
    ("Eilidh", "Fraser"),
    ("Farah", "Siddiqui"),
    ("Gareth", "Price"),
    ("Hannah", "Osei"),
    ("Imran", "Hussain"),
    ("Jade", "Thompson"),
    ("Kwame", "Mensah"),
    ("Lucy", "Brennan"),
    ("Marek", "Nowak"),
    ("Niamh", "Gallagher"),
    ("Olu", "Adeyemi"),
    ("Rhys", "Morgan"),
    ("Sunita", "Patel"),
    ("Wei", "Chen"),
)


@dataclass(frozen=True)
class DemoAccount:
    role: str
    local_part: str
    groups: tuple[str, ...] = ()
    superuser: bool = False
    leader: str = ""
    # A fixed (first, last) name; the others are drawn from NAME_POOL.
    name: tuple[str, str] | None = None

    @property
    def email(self) -> str:
        return f"{self.local_part}@{DEMO_EMAIL_DOMAIN}"


ACCOUNTS = (
    DemoAccount("Administrator", "admin", superuser=True),
    # Editors may add and edit pages; Moderators lets them publish their own
    # materials, which a demo editor expects to be able to do.
    DemoAccount("Content editor", "editor", ("Editors", "Moderators")),
    DemoAccount("Communications reviewer", "communications", ("Communications",)),
    DemoAccount("Senior leader", "leader", ("Senior leaders", "Sponsors"), leader="coo"),
    # Chosen as an admin of both programs; the second only of Cold Chain's, so the
    # two see different programs in the admin.
    DemoAccount("Program admin", "programs", ("Program admins",)),
    DemoAccount(
        "Program admin, Cold Chain only",
        "coldchain",
        ("Program admins",),
        name=("Ingrid", "Halvorsen"),
    ),
    DemoAccount("Mentor", "mentor"),
    DemoAccount("Mentee", "mentee"),
)


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    password: str


@dataclass(frozen=True)
class DemoSite:
    name: str
    url: str


@dataclass(frozen=True)
class DemoResult:
    created: bool
    logins: tuple[Login, ...]
    notes: tuple[str, ...] = ()
    sites: tuple[DemoSite, ...] = ()
    # An existing demo's sites were moved to the port asked for.
    moved: bool = False


class DemoSeedRefused(Exception):
    """The database holds something that is not demo content."""


def demo_logins() -> tuple[Login, ...]:
    return tuple(Login(a.role, a.email, DEMO_PASSWORD) for a in ACCOUNTS)


def demo_notes() -> tuple[str, ...]:
    """What is worth knowing before signing in, printed under the logins.

    What the demo's people have done since it was seeded (a matching run, an
    accepted invitation) changes the notes: they say what the database holds now.
    """
    return (
        "The mentor and mentee logins share a journey, halfway through its six months; "
        "the mentor also hosts a circle.",
        matching_note(),
        *invitation_notes(),
        "Everyone enrolled has a profile; the mentor and mentee read each other's from "
        "their journey page and edit their own at /my/profile/.",
        f"The second site is another business unit, {second_site.BRAND}, with its own "
        "theme and program; the mentor mentors there too, and each site shows only its "
        "own journeys.",
    )


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def matching_note() -> str:
    """Who waits to be matched in each program, and where their next run stands.

    One line per program with anyone waiting, in the order of the page tree.
    """
    waiting = (
        Enrollment.objects.waiting()
        .order_by()
        .values_list("program_id", "program__title")
        .annotate(count=Count("pk"))
        .order_by("program__path")
    )
    latest_runs = {}
    for run in MatchingRun.objects.filter(
        program_id__in=[program_id for program_id, _title, _count in waiting]
    ).order_by("program_id", "-created_at"):
        latest_runs.setdefault(run.program_id, run)
    undecided = dict(
        MatchProposal.objects.filter(run__in=latest_runs.values(), status__in=APPROVABLE)
        .order_by()
        .values_list("run_id")
        .annotate(count=Count("pk"))
    )
    lines = []
    for program_id, title, count in waiting:
        run = latest_runs.get(program_id)
        if run is not None and run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
            next_step = "a matching run for them is under way"
        elif run is not None and run.status == RunStatus.DONE and undecided.get(run.pk):
            proposals = undecided[run.pk]
            matches = "match" if proposals == 1 else "matches"
            next_step = (
                f"a matching run proposes {proposals} {matches} among them, for the "
                "program admin to review"
            )
        elif run is not None and run.status == RunStatus.FAILED:
            next_step = "the last matching run for them failed, and says why"
        else:
            next_step = "the program admin can run matching for them"
        lines.append(f"- {title}: {_people(count)}; {next_step}.")
    if not lines:
        return (
            "Every journey comes from an approved matching run, and nobody is waiting "
            "to be matched."
        )
    return "\n".join(
        (
            "Every journey comes from an approved matching run. Waiting to be matched "
            "(Matching → Matching runs in the admin):",
            *lines,
        )
    )


def invitation_notes() -> tuple[str, ...]:
    """How many invitations still wait to be accepted; nothing when none do."""
    open_invitations = Invitation.objects.filter(
        used_at__isnull=True, replaced=False, expires_at__gt=timezone.now()
    ).count()
    if not open_invitations:
        return ()
    return (
        f"{_people(open_invitations)} had an account made for them and "
        f"{'has' if open_invitations == 1 else 'have'} not yet accepted the invitation "
        "emailed to them: the link in one lets that newcomer choose a password and sign in.",
    )


def demo_sites(port: int = DEFAULT_PORT) -> tuple[DemoSite, ...]:
    """The two business units' addresses; both names resolve without editing /etc/hosts."""
    return (
        DemoSite("Harbourline Logistics", f"http://{DEMO_HOSTNAME}:{port}/"),
        DemoSite(second_site.BRAND, f"http://{second_site.HOSTNAME}:{port}/"),
    )


def is_seeded() -> bool:
    return get_user_model().objects.filter(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}").exists()


@transaction.atomic
def seed_demo(seed: int, *, now: datetime | None = None, port: int = DEFAULT_PORT) -> DemoResult:
    """Build the demo organisation, or do nothing if it is already there.

    ``now`` anchors every publication date, so that two runs with the same
    seed and the same ``now`` store identical data. ``port`` is where the
    demo will be served: the sites' addresses (used in emails) include it.
    """
    if is_seeded():
        return DemoResult(
            created=False,
            logins=demo_logins(),
            notes=demo_notes(),
            sites=demo_sites(port),
            moved=_serve_on(port),
        )
    check_database_is_safe()

    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    factory.random.reseed_random(seed)
    now = (now or timezone.now()).replace(second=0, microsecond=0)

    _remove_previous_demo_pages()
    users = _create_users(rng)
    _grant_editor_snippet_permissions()
    home = _create_home_page(now, port)
    topics = {
        t.slug: TopicFactory(name=t.name, slug=t.slug, kind=t.kind, description=t.description)
        for t in TOPICS
    }
    _create_library(home, topics, owner=users["editor"], rng=rng, now=now)
    profiles = _create_stories(home, topics, users, rng=rng, now=now)
    seed_program(
        home,
        topics,
        sponsor=profiles[LEADERS[0].key],
        users=users,
        participants=_create_participants(rng, participants_needed()),
        rng=rng,
        now=now,
        backdate=_backdate,
    )
    second_site.seed_second_site(
        Page.get_first_root_node(),
        topics,
        users,
        port=port,
        now=now,
        backdate=_backdate,
        site_age=SITE_AGE,
    )
    # Enrolments were made directly, so their profiles are filled here, as the
    # enrolment page fills them; then people add what only they can say.
    fill_from_enrollments(Enrollment.objects.order_by("updated_at", "pk"))
    seed_profiles(users, rng=rng)
    # The programs' figures, as the worker's sweep would within its first minute:
    # once the seeding commits, after the changes it announced are recorded.
    programs = list(ProgramPage.objects.live().values_list("pk", flat=True))
    transaction.on_commit(lambda: [snapshots.work_out(pk) for pk in programs])
    return DemoResult(
        created=True, logins=demo_logins(), notes=demo_notes(), sites=demo_sites(port)
    )


def _serve_on(port: int) -> bool:
    """Move the demo's two sites to ``port``, whose addresses lead every email's links.

    Returns whether either had to move.
    """
    moved = False
    for site in Site.objects.filter(hostname__in=(DEMO_HOSTNAME, second_site.HOSTNAME)):
        if site.port != port:
            site.port = port
            site.save(update_fields=["port"])
            moved = True
    return moved


def check_database_is_safe() -> None:
    """Refuse, saying what was found, unless the database is empty or a demo."""
    foreign_users = list(
        get_user_model()
        .objects.exclude(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}")
        .order_by("email")
        .values_list("email", flat=True)[:6]
    )
    if foreign_users:
        raise DemoSeedRefused(
            f"Found users outside the demo domain @{DEMO_EMAIL_DOMAIN}: "
            f"{_listing(foreign_users)}. seed_demo only runs on an empty database or "
            "an existing demo, so it has changed nothing."
        )
    foreign_pages = list(_non_demo_pages().order_by("path").values_list("title", flat=True)[:6])
    if foreign_pages:
        raise DemoSeedRefused(
            f"Found pages that are not part of the demo: {_listing(foreign_pages)}. "
            "seed_demo only runs on an empty database or an existing demo, so it has "
            "changed nothing."
        )


def _listing(items: list[str]) -> str:
    shown = ", ".join(repr(item) for item in items[:5])
    return f"{shown} and more" if len(items) > 5 else shown


def _non_demo_pages():
    """Pages other than the root, a default welcome page and a previous demo."""
    pages = Page.objects.exclude(depth=1).exclude(
        depth=2, content_type=ContentType.objects.get_for_model(Page)
    )
    for demo_home in _previous_demo_homes():
        pages = pages.exclude(path__startswith=demo_home.path)
    return pages


def _previous_demo_homes():
    return [
        home
        for home in (
            HomePage.objects.filter(depth=2, slug=DEMO_HOME_SLUG).first(),
            second_site.previous_home(),
        )
        if home is not None
    ]


def _remove_previous_demo_pages() -> None:
    """Clear a demo whose users were deleted, so it can be seeded afresh."""
    for demo_home in _previous_demo_homes():
        # Journeys protect their program and template from deletion; they go first.
        programs = ProgramPage.objects.descendant_of(demo_home)
        Journey.objects.filter(program__in=programs).delete()
        demo_home.delete()
    LeaderProfile.objects.filter(name__in=[leader.name for leader in LEADERS]).delete()


def _create_users(rng: random.Random) -> dict:
    User = get_user_model()
    drawn = iter(rng.sample(NAME_POOL, sum(1 for account in ACCOUNTS if not account.name)))
    leaders = {leader.key: leader for leader in LEADERS}
    users = {}
    for account in ACCOUNTS:
        first_name, last_name = account.name or next(drawn)
        if account.leader:
            first_name, _, last_name = leaders[account.leader].name.partition(" ")
        create = User.objects.create_superuser if account.superuser else User.objects.create_user
        user = create(
            email=account.email,
            password=DEMO_PASSWORD,
            first_name=first_name,
            last_name=last_name,
        )
        if account.groups:
            user.groups.set(Group.objects.filter(name__in=account.groups))
        users[account.local_part] = user
    return users


def _create_participants(rng: random.Random, count: int) -> list:
    """People on the demo's journeys who have no login: only the demo accounts sign in.

    Their passwords are unusable, which also spares hashing dozens of them.
    """
    User = get_user_model()
    names = rng.sample(PARTICIPANT_NAMES, count)
    return [
        User.objects.create_user(
            email=f"{slugify(first)}.{slugify(last)}@{DEMO_EMAIL_DOMAIN}",
            password=None,
            first_name=first,
            last_name=last,
        )
        for first, last in names
    ]


def _grant_editor_snippet_permissions() -> None:
    """Let the Editors group manage topics and leader profiles.

    Wagtail's default Editors group may edit pages but no snippets, and the
    library cannot be curated without them.
    """
    editors = Group.objects.get(name="Editors")
    editors.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="content", codename__in=EDITOR_SNIPPET_PERMISSIONS
        )
    )


def _create_home_page(now: datetime, port: int) -> HomePage:
    """Put the demo home page at the top of the default site, in place of the welcome page.

    The default site answers on 127.0.0.1 (and on any host no other site
    claims); ``localhost`` is left for the second business unit.
    """
    root = Page.get_first_root_node()
    home = HomePage(
        title=DEMO_SITE_NAME,
        slug=DEMO_HOME_SLUG,
        summary="Mentoring at Harbourline Logistics: guides, stories and your journey.",
        intro=(
            "<p>Welcome to mentoring at <b>Harbourline Logistics</b>. Whether you work "
            "a night shift at the Avonmouth hub, plan routes in the control tower or "
            "look after customers from Leeds, somebody here has walked a path like "
            "yours and would like to walk part of the next one with you.</p>"
            "<p>Start with the library, read how our leaders were helped along the "
            "way, and bring your questions to your mentor.</p>"
        ),
    )
    root.add_child(instance=home)
    home.save_revision().publish()
    _backdate(home, now - SITE_AGE)

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site(is_default_site=True)
    site.hostname = DEMO_HOSTNAME
    site.port = port
    site.root_page = home
    site.site_name = DEMO_SITE_NAME
    site.save()
    ThemeSettings.objects.update_or_create(
        site=site,
        defaults={
            "preset": "harbour",
            "brand_name": DEMO_SITE_NAME,
            "email_header": "Mentoring at Harbourline Logistics",
            "email_footer": (
                "Sent by the People team at Harbourline Logistics. Questions about your "
                "journey? Write to your program admin."
            ),
        },
    )

    welcome_pages = Page.objects.filter(
        depth=2, content_type=ContentType.objects.get_for_model(Page)
    )
    for page in welcome_pages:
        page.delete()
    return home


def _create_library(home, topics, *, owner, rng: random.Random, now: datetime) -> None:
    library = LibraryIndexPageFactory(
        parent=home,
        owner=owner,
        summary="Guides, worksheets, videos and conversation starters for every pair.",
        intro=(
            "Everything here was written for Harbourline's mentors and mentees. Filter "
            "by topic, by kind or by who it is for, or just start with the newest."
        ),
    )
    _backdate(library, now - SITE_AGE)
    created = {}
    for material in MATERIALS:
        page = MaterialPageFactory(
            parent=library,
            owner=owner,
            title=material.title,
            slug=material.slug,
            kind=material.kind,
            audience=material.audience,
            estimated_minutes=material.minutes,
            summary=material.summary,
            topics=[topics[slug] for slug in material.topics],
            body=_resolve_links(material.body, created),
        )
        _backdate(page, now - timedelta(days=rng.randint(3, 360), minutes=rng.randint(0, 600)))
        created[material.slug] = page


def _resolve_links(body, pages: dict) -> list:
    """Turn a call to action's target slug into the page created for it."""
    blocks = []
    for name, value in body:
        if name == "call_to_action" and isinstance(value.get("page"), str):
            value = {**value, "page": pages[value["page"]]}
        blocks.append((name, value))
    return blocks


def _create_stories(home, topics, users, *, rng: random.Random, now: datetime) -> dict:
    """Publish the leaders' stories; send the one marked for review into the workflow.

    Returns the leaders' profiles by key.

    The senior leader's account owns that leader's stories; the communications
    reviewer owns those of leaders who have no demo login, having published
    them on their behalf.
    """
    reviewer = users["communications"]
    stories_index = StoriesIndexPageFactory(
        parent=home,
        owner=reviewer,
        summary="Our leaders on the people who helped them grow.",
        intro=(
            "Every leader at Harbourline was helped along the way by someone. These "
            "are their stories, in their own words."
        ),
    )
    _backdate(stories_index, now - SITE_AGE)

    leader_users = {a.leader: users[a.local_part] for a in ACCOUNTS if a.leader}
    profiles = {
        leader.key: LeaderProfileFactory(
            name=leader.name,
            title=leader.title,
            bio=leader.bio,
            user=leader_users.get(leader.key),
        )
        for leader in LEADERS
    }
    for story in STORIES:
        owner = leader_users.get(story.leader, reviewer)
        page = LeaderStoryPageFactory(
            parent=stories_index,
            owner=owner,
            live=not story.in_review,
            title=story.title,
            slug=story.slug,
            leader=profiles[story.leader],
            pull_quote=story.pull_quote,
            summary=story.summary,
            topics=[topics[slug] for slug in story.topics],
            body=list(story.body),
        )
        if story.in_review:
            with _without_submission_emails():
                page.get_workflow().start(page, owner)
        else:
            _backdate(page, now - timedelta(days=rng.randint(7, 300), minutes=rng.randint(0, 600)))
    return profiles


@contextmanager
def _without_submission_emails():
    """Start a workflow without emailing the reviewers about it.

    The demo's reviewers see the waiting story on their dashboard; an email to
    an address on a reserved domain would only fill the console or fail.
    """
    receivers = (
        (
            task_submitted,
            wagtail_notifiers.task_submission_email_notifier,
            TaskState,
            "group_approval_task_submitted_email_notification",
        ),
        (
            workflow_submitted,
            wagtail_notifiers.workflow_submission_email_notifier,
            WorkflowState,
            "workflow_state_submitted_email_notification",
        ),
    )
    disconnected = [
        (signal, receiver, sender, uid)
        for signal, receiver, sender, uid in receivers
        if signal.disconnect(sender=sender, dispatch_uid=uid)
    ]
    try:
        yield
    finally:
        for signal, receiver, sender, uid in disconnected:
            signal.connect(receiver, sender=sender, dispatch_uid=uid)


def _backdate(page, when: datetime) -> None:
    """Make a page look as if it was published at ``when``, not during the seed."""
    Page.objects.filter(pk=page.pk).update(
        first_published_at=when, last_published_at=when, latest_revision_created_at=when
    )
    Revision.objects.filter(
        base_content_type=page.get_base_content_type(), object_id=str(page.pk)
    ).update(created_at=when)
