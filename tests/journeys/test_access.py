"""Who administers and who sponsors each program (``journeys.services.access``)."""

import pytest
from django.contrib.auth.models import Group

from content.factories import LeaderProfileFactory
from journeys.factories import JourneyPageFactory, ProgramPageFactory, choose_people
from journeys.services import access

pytestmark = pytest.mark.django_db


@pytest.fixture
def programs(home):
    return (
        ProgramPageFactory(parent=home, title="Alpha"),
        ProgramPageFactory(parent=home, title="Beta"),
    )


def fresh(user):
    """The person as the next request loads them, without what this one remembered."""
    return type(user).objects.get(pk=user.pk)


def test_a_person_chosen_on_a_program_administers_it_and_no_other(programs, user_factory):
    alpha, beta = programs
    pat = user_factory()
    choose_people(alpha, "admin", [pat])

    assert list(access.administered_programs(pat)) == [alpha]
    assert access.may_administer(pat, alpha)
    assert access.may_administer(pat, alpha.pk)
    assert not access.may_administer(pat, beta)


def test_everyone_in_a_group_chosen_on_a_program_administers_it(programs, user_factory):
    alpha, beta = programs
    group = Group.objects.create(name="Alpha team")
    pat = user_factory(groups=["Alpha team"])
    choose_people(alpha, "admin", [group])

    assert access.may_administer(pat, alpha)
    assert not access.may_administer(pat, beta)
    assert list(access.administrators(alpha)) == [pat]
    assert not access.administrators(beta).exists()


def test_someone_chosen_twice_is_one_admin(programs, user_factory):
    alpha, _beta = programs
    group = Group.objects.create(name="Alpha team")
    pat = user_factory(groups=["Alpha team"])
    choose_people(alpha, "admin", [group, pat])

    assert list(access.administrators(alpha)) == [pat]
    assert list(access.administered_programs(pat)) == [alpha]


def test_a_program_admin_chosen_nowhere_administers_nothing(programs, user_factory):
    pat = user_factory(groups=["Program admins"])

    assert not access.administered_programs(pat).exists()
    assert not access.administers_any(pat)
    assert not access.may_administer(pat, programs[0])


def test_superusers_administer_and_sponsor_every_program(programs, user_factory):
    boss = user_factory(is_superuser=True, is_staff=True)

    assert set(access.administered_programs(boss)) == set(programs)
    assert access.may_administer(boss, programs[1])
    assert set(access.sponsored_programs(boss)) == set(programs)
    assert access.may_sponsor(boss, programs[1])


def test_inactive_people_administer_and_sponsor_nothing_whatever_was_chosen(
    programs, user_factory
):
    alpha, _beta = programs
    gone = user_factory(is_active=False)
    boss = user_factory(is_superuser=True, is_active=False)
    choose_people(alpha, "admin", [gone])
    choose_people(alpha, "sponsor", [gone])

    for person in (gone, boss):
        assert not access.administered_programs(person).exists()
        assert not access.may_administer(person, alpha)
        assert not access.sponsored_programs(person).exists()
        assert not access.may_sponsor(person, alpha)
    assert not access.administrators(alpha).exists()
    assert not access.sponsors(alpha).exists()


def test_signed_out_visitors_administer_and_sponsor_nothing(programs):
    from django.contrib.auth.models import AnonymousUser

    nobody = AnonymousUser()
    assert not access.administered_programs(nobody).exists()
    assert not access.may_sponsor(nobody, programs[0])


def test_sponsors_are_chosen_by_person_by_group_or_as_the_sponsor_leader(programs, user_factory):
    alpha, beta = programs
    chosen, grouped, leader = user_factory(), user_factory(groups=["Sponsors"]), user_factory()
    alpha.sponsor = LeaderProfileFactory(user=leader)
    alpha.save()
    choose_people(alpha, "sponsor", [chosen, Group.objects.get(name="Sponsors")])

    for person in (chosen, grouped, leader):
        assert list(access.sponsored_programs(person)) == [alpha]
        assert access.may_sponsor(person, alpha)
        assert not access.may_sponsor(person, beta)
    assert set(access.sponsors(alpha)) == {chosen, grouped, leader}
    assert not access.sponsors(beta).exists()


def test_sponsoring_a_program_is_not_administering_it(programs, user_factory):
    alpha, _beta = programs
    amara = user_factory()
    choose_people(alpha, "sponsor", [amara])

    assert not access.may_administer(amara, alpha)
    assert not access.administrators(alpha).exists()


def test_a_change_of_admins_shows_from_the_next_request(programs, user_factory):
    alpha, beta = programs
    pat = user_factory()
    choose_people(alpha, "admin", [pat])
    assert access.may_administer(pat, alpha)

    choose_people(beta, "admin", [pat])

    assert access.may_administer(fresh(pat), beta)


def test_admins_chosen_in_a_draft_count_once_it_is_published(programs, user_factory):
    alpha, _beta = programs
    pat = user_factory()
    alpha.admin_users.add(pat)
    alpha.save_revision()

    assert not access.may_administer(fresh(pat), alpha)

    alpha.get_latest_revision().publish()

    assert access.may_administer(fresh(pat), alpha)


def test_with_permission_keeps_those_who_hold_it_by_group_or_as_superusers(user_factory):
    admin = user_factory(groups=["Program admins"])
    boss = user_factory(is_superuser=True)
    other = user_factory()
    everyone = type(admin).objects.filter(pk__in=[admin.pk, boss.pk, other.pk])

    kept = access.with_permission(everyone, "journeys.view_insights")

    assert set(kept) == {admin, boss}


# The data migration --------------------------------------------------------------------------


def run_migration(name, app="journeys", backwards=False):
    """Run the data step of a migration, on the models as that migration sees them."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.operations import RunPython

    loader = MigrationExecutor(connection).loader
    migration = loader.get_migration(app, name)
    state_apps = loader.project_state((app, name)).apps
    (step,) = [op for op in migration.operations if isinstance(op, RunPython)]
    (step.reverse_code if backwards else step.code)(state_apps, connection.schema_editor())


def test_the_migration_keeps_who_saw_each_existing_program(home, user_factory):
    """Every "Program admins" member keeps every program; its sponsor leader stays its sponsor."""
    from django.contrib.auth.models import Permission

    leader = user_factory(email="leader@example.com")
    sponsored = ProgramPageFactory(
        parent=home, title="Sponsored", sponsor=LeaderProfileFactory(user=leader)
    )
    unsponsored = ProgramPageFactory(parent=home, title="Unsponsored")
    sponsors = Group.objects.get(name="Sponsors")
    sponsors.permissions.add(Permission.objects.get(codename="access_admin"))
    pat = user_factory(groups=["Program admins"])
    assert not access.administers_any(pat)

    run_migration("0017_program_people_today")
    run_migration("0017_program_people_today")  # running it again adds nothing

    admins = Group.objects.get(name="Program admins")
    for program in (sponsored, unsponsored):
        assert list(program.admin_groups.all()) == [admins]
        assert not program.admin_users.exists()
        assert access.may_administer(fresh(pat), program)
    assert list(sponsored.sponsor_users.all()) == [leader]
    assert not unsponsored.sponsor_users.exists()
    assert "access_admin" not in sponsors.permissions.values_list("codename", flat=True)


def test_programs_made_after_the_migration_start_with_nobody_but_superusers(home, user_factory):
    pat = user_factory(groups=["Program admins"])
    program = ProgramPageFactory(parent=home, title="New")

    assert not program.admin_groups.exists()
    assert not access.may_administer(pat, program)


def test_a_program_published_from_a_revision_older_than_its_people_keeps_them(home, user_factory):
    """Revisions saved before programs had people hold no choice; publishing one keeps
    what the migration chose rather than emptying it."""
    from journeys.models import ProgramPage

    program = ProgramPageFactory(parent=home, title="Older")
    revision = program.get_latest_revision()
    revision.content = {
        key: value
        for key, value in revision.content.items()
        if key not in ("admin_users", "admin_groups", "sponsor_users", "sponsor_groups")
    }
    revision.save()
    run_migration("0017_program_people_today")

    edited = ProgramPage.objects.get(pk=program.pk).get_latest_revision_as_object()
    edited.title = "Older, renamed"
    edited.save_revision().publish()

    program.refresh_from_db()
    assert program.title == "Older, renamed"
    assert [group.name for group in program.admin_groups.all()] == ["Program admins"]


def test_the_migrations_move_a_programs_log_entries_to_the_program_log(home, user_factory):
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone
    from wagtail.models import ModelLogEntry

    from journeys.models import Journey, ProgramLogEntry
    from journeys.services.starting import start_journey
    from matching.models import Enrollment

    program = ProgramPageFactory(parent=home, title="Logged")
    template = JourneyPageFactory(parent=program)
    journey = start_journey(
        program,
        [(user_factory(), "mentor"), (user_factory(), "mentee")],
        timezone.localdate(),
        template=template,
    )
    enrollment = Enrollment.objects.create(program=program, user=user_factory())
    for thing, label in ((journey, "Ada and Grace"), (enrollment, "Ada's enrolment")):
        ModelLogEntry.objects.create(
            content_type=ContentType.objects.get_for_model(thing),
            object_id=str(thing.pk),
            label=label,
            action="wagtail.edit",
            timestamp=timezone.now(),
        )
    ModelLogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Journey),
        object_id="999999",
        label="A journey long gone",
        action="wagtail.edit",
        timestamp=timezone.now(),
    )

    run_migration("0018_program_log_entries")
    run_migration("0007_program_log_entries", app="matching")

    assert not ModelLogEntry.objects.exclude(action="wagtail.create").filter(
        label__in=["Ada and Grace", "Ada's enrolment", "A journey long gone"]
    )
    moved = dict(ProgramLogEntry.objects.values_list("label", "program_id"))
    assert moved == {
        "Ada and Grace": program.pk,
        "Ada's enrolment": program.pk,
        "A journey long gone": None,
    }

    run_migration("0007_program_log_entries", app="matching", backwards=True)
    run_migration("0018_program_log_entries", backwards=True)

    assert not ProgramLogEntry.objects.exists()
    assert ModelLogEntry.objects.filter(label="Ada and Grace").exists()
