from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeys.engine import (
    AUDIENCES,
    MAX_DAYS,
    ROLES,
    Completion,
    JourneyInput,
    Member,
    MilestoneSpec,
    MilestoneState,
    NextStep,
    StepSpec,
    compute,
    find_cycle,
    prepare,
    unknown_prerequisites,
)

START = date(2024, 1, 1)
PAIR = (Member(1, "mentor"), Member(2, "mentee"))
MENTOR, MENTEE = 1, 2
SATISFYING = {MilestoneState.DONE, MilestoneState.NOT_IN_TRACK, MilestoneState.NOT_APPLICABLE}
ACTIONABLE = {MilestoneState.OPEN, MilestoneState.DUE_SOON, MilestoneState.OVERDUE}


def day(n: int) -> date:
    return START + timedelta(days=n)


def step(step_id: str = "read", kind: str = "read", **options) -> StepSpec:
    return StepSpec(step_id, kind, **options)


def milestone(
    milestone_id: str,
    *,
    opens: int = 0,
    due: int = 14,
    audience: str = "everyone",
    prerequisites: tuple[str, ...] = (),
    track: str | None = None,
    steps: tuple[StepSpec, ...] = (step(),),
) -> MilestoneSpec:
    return MilestoneSpec(
        milestone_id,
        milestone_id.title(),
        opens,
        due,
        audience,
        prerequisites,
        track,
        steps,
    )


def did(milestone_id: str, step_id: str, member_id: int, on: int = 0) -> Completion:
    return Completion(milestone_id, step_id, member_id, day(on))


def journey(milestones, completions=(), members=PAIR, **options) -> JourneyInput:
    return JourneyInput(tuple(milestones), tuple(members), tuple(completions), START, **options)


def state_on(n: int, the_journey: JourneyInput, milestone_id: str) -> MilestoneState:
    return compute(the_journey, day(n)).milestone(milestone_id).state


# Timing


def test_a_milestone_is_locked_until_its_opening_day():
    welcome = journey([milestone("welcome", opens=7)])
    assert state_on(6, welcome, "welcome") is MilestoneState.LOCKED
    assert state_on(7, welcome, "welcome") is MilestoneState.OPEN


def test_a_milestone_opens_and_falls_due_relative_to_the_start_of_the_journey():
    status = compute(journey([milestone("welcome", opens=7, due=14)]), day(0)).milestone("welcome")
    assert (status.opens_on, status.due_on) == (day(7), day(21))


def test_a_milestone_is_due_soon_from_three_days_before_its_due_day():
    welcome = journey([milestone("welcome", due=14)])
    assert state_on(10, welcome, "welcome") is MilestoneState.OPEN
    assert state_on(11, welcome, "welcome") is MilestoneState.DUE_SOON
    assert state_on(14, welcome, "welcome") is MilestoneState.DUE_SOON


def test_the_due_soon_window_follows_the_journey_setting():
    welcome = journey([milestone("welcome", due=14)], due_soon_days=0)
    assert state_on(13, welcome, "welcome") is MilestoneState.OPEN
    assert state_on(14, welcome, "welcome") is MilestoneState.DUE_SOON


def test_a_milestone_is_overdue_the_day_after_its_due_day():
    welcome = journey([milestone("welcome", due=14)])
    assert state_on(15, welcome, "welcome") is MilestoneState.OVERDUE
    assert state_on(400, welcome, "welcome") is MilestoneState.OVERDUE


# Done


def test_a_milestone_is_done_when_every_audience_member_did_every_required_step():
    welcome = [milestone("welcome", steps=(step("read"), step("reflect", "reflect")))]
    almost = [did("welcome", "read", MENTOR), did("welcome", "read", MENTEE, 2)]
    almost.append(did("welcome", "reflect", MENTOR, 3))
    assert state_on(5, journey(welcome, almost), "welcome") is MilestoneState.OPEN

    status = compute(
        journey(welcome, [*almost, did("welcome", "reflect", MENTEE, 4)]), day(5)
    ).milestone("welcome")
    assert status.state is MilestoneState.DONE
    assert status.done_on == day(4)
    assert (status.required, status.completed) == (4, 4)


def test_a_done_milestone_stays_done_whatever_the_day():
    welcome = journey(
        [milestone("welcome", opens=7, due=7)],
        [did("welcome", "read", MENTOR, 8), did("welcome", "read", MENTEE, 9)],
    )
    for n in (0, 9, 15, 400):
        assert state_on(n, welcome, "welcome") is MilestoneState.DONE


def test_a_milestone_without_required_steps_is_done_once_it_opens():
    closing = journey(
        [
            milestone("first", steps=(step(),)),
            milestone("closing", opens=30, prerequisites=("first",), steps=()),
        ],
        [did("first", "read", MENTOR, 40), did("first", "read", MENTEE, 41)],
    )
    assert state_on(29, closing, "closing") is MilestoneState.LOCKED
    status = compute(closing, day(45)).milestone("closing")
    assert status.state is MilestoneState.DONE
    assert status.done_on == day(41)


def test_an_optional_pulse_step_never_blocks_a_milestone():
    welcome = journey(
        [milestone("welcome", steps=(step(), step("pulse", "pulse", required=False)))],
        [did("welcome", "read", MENTOR), did("welcome", "read", MENTEE)],
    )
    status = compute(welcome, day(1)).milestone("welcome")
    assert status.state is MilestoneState.DONE
    assert status.steps_done["pulse"] == frozenset()
    assert status.required == 2


def test_one_logged_meeting_completes_a_shared_meet_step_for_the_pair():
    first_meeting = journey(
        [milestone("first-meeting", steps=(step("meet", "meet", shared=True),))],
        [did("first-meeting", "meet", MENTEE, 3)],
    )
    status = compute(first_meeting, day(4)).milestone("first-meeting")
    assert status.state is MilestoneState.DONE
    assert status.steps_done["meet"] == {MENTOR, MENTEE}
    assert (status.completed, status.done_on) == (2, day(3))


def test_a_shared_step_is_done_on_the_day_the_first_audience_member_did_it():
    first_meeting = journey(
        [milestone("first-meeting", steps=(step("meet", "meet", shared=True),))],
        [did("first-meeting", "meet", MENTEE, 5), did("first-meeting", "meet", MENTOR, 3)],
    )
    assert compute(first_meeting, day(6)).milestone("first-meeting").done_on == day(3)


# Prerequisites and tracks


def test_a_milestone_waits_for_its_prerequisites_even_after_its_opening_day():
    goals = [milestone("welcome"), milestone("goals", prerequisites=("welcome",))]
    assert state_on(3, journey(goals), "goals") is MilestoneState.LOCKED
    assert not compute(journey(goals), day(3)).milestone("goals").prerequisites_met

    welcomed = journey(goals, [did("welcome", "read", MENTOR), did("welcome", "read", MENTEE)])
    assert state_on(3, welcomed, "goals") is MilestoneState.OPEN


def test_a_milestone_outside_the_journeys_tracks_is_not_in_track_and_blocks_nothing():
    template = [
        milestone("leadership", track="leadership"),
        milestone("wrap-up", prerequisites=("leadership",)),
    ]
    state = compute(journey(template, tracks=frozenset({"career"})), day(1))
    assert state.milestone("leadership").state is MilestoneState.NOT_IN_TRACK
    assert state.milestone("wrap-up").state is MilestoneState.OPEN


def test_a_milestone_in_one_of_the_journeys_tracks_is_part_of_the_journey():
    template = [milestone("leadership", track="leadership")]
    assert (
        state_on(1, journey(template, tracks=frozenset({"leadership", "career"})), "leadership")
        is MilestoneState.OPEN
    )


def test_a_milestone_outside_the_tracks_does_not_count_towards_progress():
    template = [milestone("core"), milestone("leadership", track="leadership")]
    core_done = [did("core", "read", MENTOR), did("core", "read", MENTEE)]
    state = compute(journey(template, core_done), day(1))
    assert (state.progress_percent, state.is_complete) == (100, True)


def test_milestones_on_a_prerequisite_cycle_stay_locked_without_hanging():
    template = [
        milestone("a", prerequisites=("c",)),
        milestone("b", prerequisites=("a",)),
        milestone("c", prerequisites=("b",), steps=()),
        milestone("after", prerequisites=("c",)),
        milestone("free"),
    ]
    state = compute(journey(template), day(1))
    assert [m.state for m in state.milestones] == [MilestoneState.LOCKED] * 4 + [
        MilestoneState.OPEN
    ]


def test_a_milestone_that_requires_itself_stays_locked():
    template = [milestone("loop", prerequisites=("loop",))]
    assert state_on(1, journey(template), "loop") is MilestoneState.LOCKED
    assert find_cycle(template) == ["loop", "loop"]


def test_a_long_prerequisite_cycle_neither_recurses_nor_hangs():
    size = 5000
    template = [
        milestone(f"m{i}", prerequisites=(f"m{(i + 1) % size}",), steps=()) for i in range(size)
    ]
    assert {m.state for m in compute(journey(template), day(1)).milestones} == {
        MilestoneState.LOCKED
    }
    cycle = find_cycle(template)
    assert cycle is not None
    assert (len(cycle), cycle[0]) == (size + 1, cycle[-1])


def test_find_cycle_names_the_milestones_in_order_with_the_first_repeated():
    template = [
        milestone("welcome"),
        milestone("a", prerequisites=("welcome", "b")),
        milestone("b", prerequisites=("c",)),
        milestone("c", prerequisites=("a",)),
    ]
    assert find_cycle(template) == ["a", "b", "c", "a"]


def test_find_cycle_finds_none_in_an_acyclic_template():
    template = [
        milestone("a"),
        milestone("b", prerequisites=("a", "ghost")),
        milestone("c", prerequisites=("a", "b")),
    ]
    assert find_cycle(template) is None
    assert find_cycle([]) is None


def test_unknown_prerequisites_are_reported_and_ignored_by_the_engine():
    template = [
        milestone("welcome", prerequisites=("deleted", "deleted")),
        milestone("goals", prerequisites=("welcome", "renamed")),
    ]
    assert unknown_prerequisites(template) == [("welcome", "deleted"), ("goals", "renamed")]
    assert state_on(1, journey(template), "welcome") is MilestoneState.OPEN


# Audiences


def test_a_mentors_only_milestone_waits_only_for_the_mentor():
    template = [milestone("prepare", audience="mentors")]
    status = compute(journey(template, [did("prepare", "read", MENTOR)]), day(1)).milestone(
        "prepare"
    )
    assert status.state is MilestoneState.DONE
    assert status.audience_member_ids == (MENTOR,)


def test_a_mentees_only_milestone_ignores_the_mentors_completions():
    template = [milestone("hopes", audience="mentees")]
    status = compute(journey(template, [did("hopes", "read", MENTOR)]), day(1)).milestone("hopes")
    assert status.state is MilestoneState.OPEN
    assert (status.required, status.completed) == (1, 0)
    assert status.steps_done["read"] == frozenset()


def test_a_shared_step_done_by_someone_outside_the_audience_does_not_count():
    template = [milestone("hopes", audience="mentees", steps=(step("meet", shared=True),))]
    assert (
        state_on(1, journey(template, [did("hopes", "meet", MENTOR)]), "hopes")
        is MilestoneState.OPEN
    )


def test_circle_members_count_as_mentees():
    circle = (Member(1, "mentor"), Member(2, "member"), Member(3, "member"))
    template = [milestone("hopes", audience="mentees"), milestone("all", audience="everyone")]
    state = compute(
        journey(template, [did("hopes", "read", 2), did("hopes", "read", 3)], members=circle),
        day(1),
    )
    assert state.milestone("hopes").audience_member_ids == (2, 3)
    assert state.milestone("hopes").state is MilestoneState.DONE
    assert state.milestone("all").audience_member_ids == (1, 2, 3)


def test_a_milestone_nobody_in_the_journey_is_the_audience_of_is_not_applicable():
    peers = (Member(1, "member"), Member(2, "member"))
    template = [
        milestone("mentor-prep", audience="mentors"),
        milestone("together", prerequisites=("mentor-prep",)),
    ]
    state = compute(journey(template, members=peers), day(1))
    assert state.milestone("mentor-prep").state is MilestoneState.NOT_APPLICABLE
    assert state.milestone("together").state is MilestoneState.OPEN
    assert state.progress_percent == 0


# Ignored completions


def test_completions_for_unknown_milestones_steps_or_members_are_ignored():
    template = [milestone("welcome")]
    noise = [did("gone", "read", MENTOR, 9), did("welcome", "gone", MENTOR, 9)]
    noise.append(did("welcome", "read", 99, 9))
    state = compute(journey(template, noise), day(10))
    assert state == compute(journey(template), day(10))
    assert state.days_since_activity == 10


def test_a_repeated_completion_counts_once_and_from_its_first_day():
    template = [milestone("welcome", steps=(step(), step("pulse", required=False)))]
    repeats = [did("welcome", "read", MENTOR, 4), did("welcome", "read", MENTOR, 2)]
    repeats.append(did("welcome", "read", MENTOR, 4))
    status = compute(journey(template, repeats), day(5)).milestone("welcome")
    assert status.completed == 1
    assert compute(journey(template, repeats), day(5)).days_since_activity == 3


# Next steps and upcoming milestones


def test_the_next_step_is_the_first_required_step_each_member_still_has_to_do():
    template = [
        milestone(
            "welcome",
            steps=(
                step("pulse", "pulse", required=False),
                step("read"),
                step("reflect", "reflect"),
            ),
        ),
        milestone("goals", steps=(step("set", "set_goals"),)),
    ]
    state = compute(journey(template, [did("welcome", "read", MENTEE)]), day(12))
    assert state.next_steps == {
        MENTOR: NextStep("welcome", "read", MilestoneState.DUE_SOON),
        MENTEE: NextStep("welcome", "reflect", MilestoneState.DUE_SOON),
    }


def test_the_next_step_skips_a_shared_step_the_partner_already_did():
    template = [milestone("meet", steps=(step("meet", "meet", shared=True), step("reflect")))]
    state = compute(journey(template, [did("meet", "meet", MENTEE)]), day(1))
    assert state.next_steps[MENTOR] == NextStep("meet", "reflect", MilestoneState.OPEN)


def test_the_next_step_comes_only_from_milestones_the_member_is_the_audience_of():
    template = [milestone("mentor-prep", audience="mentors"), milestone("welcome")]
    state = compute(journey(template), day(1))
    assert state.next_steps[MENTOR] == NextStep("mentor-prep", "read", MilestoneState.OPEN)
    assert state.next_steps[MENTEE] == NextStep("welcome", "read", MilestoneState.OPEN)


def test_there_is_no_next_step_when_everything_open_is_done():
    template = [milestone("welcome"), milestone("midpoint", opens=30)]
    welcomed = journey(template, [did("welcome", "read", MENTOR), did("welcome", "read", MENTEE)])
    state = compute(welcomed, day(3))
    assert state.next_steps == {MENTOR: None, MENTEE: None}
    assert state.upcoming[MENTEE] == state.milestone("midpoint")
    assert state.upcoming[MENTEE].opens_on == day(30)


def test_there_is_nothing_next_or_upcoming_once_the_journey_is_complete():
    template = [milestone("welcome")]
    state = compute(
        journey(template, [did("welcome", "read", MENTOR), did("welcome", "read", MENTEE)]),
        day(3),
    )
    assert state.is_complete
    assert state.next_steps == {MENTOR: None, MENTEE: None}
    assert state.upcoming == {MENTOR: None, MENTEE: None}


# Activity and progress


def test_days_since_activity_count_from_the_latest_completion_or_other_activity():
    template = [milestone("welcome")]
    with_meeting = journey(template, [did("welcome", "read", MENTOR, 3)], activity_dates=(day(6),))
    assert compute(with_meeting, day(10)).days_since_activity == 4
    with_reflection = replace(with_meeting, activity_dates=(day(1),))
    assert compute(with_reflection, day(10)).days_since_activity == 7


def test_days_since_activity_count_from_the_start_when_nothing_happened_yet():
    assert compute(journey([milestone("welcome")]), day(9)).days_since_activity == 9


def test_days_since_activity_are_never_negative():
    assert compute(journey([milestone("welcome")]), day(-3)).days_since_activity == 0


def test_progress_is_the_floor_of_the_share_of_required_pairs_done():
    template = [milestone("welcome", steps=(step("a"), step("b"), step("c")))]
    state = compute(journey(template, [did("welcome", "a", MENTOR)]), day(1))
    assert state.progress_percent == 16


def test_progress_is_100_for_a_journey_with_nothing_to_do():
    state = compute(journey([]), day(0))
    assert (state.progress_percent, state.is_complete) == (100, True)


def test_progress_stops_at_99_while_a_milestone_without_required_steps_has_yet_to_open():
    template = [milestone("welcome"), milestone("celebrate", opens=60, steps=())]
    welcomed = journey(template, [did("welcome", "read", MENTOR), did("welcome", "read", MENTEE)])
    assert compute(welcomed, day(3)).progress_percent == 99
    assert compute(welcomed, day(60)).progress_percent == 100


# Templates and inputs


def test_a_prepared_template_gives_the_same_state_as_its_milestones():
    template = [milestone("welcome"), milestone("goals", prerequisites=("welcome",))]
    raw = journey(template, [did("welcome", "read", MENTOR)])
    prepared = replace(raw, milestones=prepare(template))
    assert compute(prepared, day(2)) == compute(raw, day(2))
    assert prepare(prepared.milestones) is prepared.milestones


def test_statuses_follow_the_template_order_and_can_be_looked_up_by_id():
    template = [milestone("b"), milestone("a")]
    state = compute(journey(template), day(1))
    assert [m.id for m in state.milestones] == ["b", "a"]
    assert state.milestone("a").title == "A"
    with pytest.raises(KeyError):
        state.milestone("missing")


@pytest.mark.parametrize(
    "template",
    [
        [milestone("a"), milestone("a")],
        [milestone("a", steps=(step("x"), step("x")))],
        [milestone("a", audience="sponsors")],
        [milestone("a", opens=-1)],
        [milestone("a", opens=MAX_DAYS + 1)],
        [milestone("a", due=99_999_999_999)],
    ],
    ids=[
        "duplicate milestone",
        "duplicate step",
        "unknown audience",
        "negative timing",
        "opening over ten years on",
        "due beyond the calendar",
    ],
)
def test_a_template_no_journey_could_follow_is_refused(template):
    with pytest.raises(ValueError, match=r"\.$"):
        prepare(template)


@pytest.mark.parametrize(
    "members", [(Member(1, "mentor"), Member(1, "mentee")), (Member(1, "sponsor"),)]
)
def test_a_member_listed_twice_or_with_an_unknown_role_is_refused(members):
    with pytest.raises(ValueError, match=r"\.$"):
        compute(journey([milestone("welcome")], members=members), day(0))


# Properties over random acyclic templates

PROPERTIES = settings(max_examples=200, deadline=None)
KINDS = ("read", "reflect", "meet", "set_goals", "review_goals", "checklist", "pulse")
TRACKS = ("leadership", "career")
days = st.integers(min_value=-5, max_value=120).map(day)


def as_steps(codes: list[int]) -> tuple[StepSpec, ...]:
    """Each code picks a kind, then optional (bit 7), then shared (bit 14); 0 is a plain read."""
    return tuple(
        StepSpec(f"s{i}", KINDS[code % 7], required=not code // 7 % 2, shared=code >= 14)
        for i, code in enumerate(codes)
    )


def as_template(parts) -> tuple[MilestoneSpec, ...]:
    """Bit p of the prerequisite mask names milestone p if it is an earlier one; bit 8 names
    a milestone the template lacks."""
    return tuple(
        MilestoneSpec(
            f"m{index}",
            f"Milestone {index}",
            opens,
            due,
            audience,
            tuple(f"m{p}" for p in range(index) if mask >> p & 1) + ("ghost",) * (mask >> 8),
            track,
            as_steps(step_codes),
        )
        for index, (opens, due, audience, mask, track, step_codes) in enumerate(parts)
    )


milestone_parts = st.tuples(
    st.integers(0, 40),
    st.integers(0, 20),
    st.sampled_from(AUDIENCES),
    st.integers(0, 511),
    st.sampled_from((None, None, *TRACKS)),
    st.lists(st.integers(0, 27), max_size=4),
)
templates = st.lists(milestone_parts, max_size=8).map(as_template)


# (which step, which member, which day), each an index the journey resolves.
completion_choices = st.tuples(st.integers(0, 40), st.integers(0, 4), st.integers(0, 90))


def as_completion(milestones, members, choice: tuple[int, int, int]) -> Completion:
    """A completion of one of the template's steps by one of the members, or (sometimes)
    of a missing step, by a stranger (member 99)."""
    targets = [(spec.id, s.id) for spec in milestones for s in spec.steps]
    targets += [("ghost", "s0"), ("m0", "ghost")]
    member_ids = [m.id for m in members] + [99]
    target, member, on = choice
    return Completion(
        *targets[target % len(targets)], member_ids[member % len(member_ids)], day(on)
    )


@st.composite
def journeys(draw) -> JourneyInput:
    milestones = draw(templates)
    roles = draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=4))
    members = tuple(Member(i, role) for i, role in enumerate(roles, start=1))
    choices = draw(st.lists(completion_choices, max_size=20))
    return JourneyInput(
        milestones=milestones,
        members=members,
        completions=tuple(as_completion(milestones, members, c) for c in choices),
        started_on=START,
        tracks=draw(st.frozensets(st.sampled_from(TRACKS))),
        activity_dates=tuple(draw(st.lists(st.integers(0, 90).map(day), max_size=2))),
        due_soon_days=draw(st.integers(0, 5)),
    )


def audience_of(spec: MilestoneSpec, members) -> set[int]:
    wanted = {"everyone": set(ROLES), "mentors": {"mentor"}, "mentees": {"mentee", "member"}}
    return {m.id for m in members if m.role in wanted[spec.audience]}


def counted(the_journey: JourneyInput) -> tuple[Completion, ...]:
    """The completions the rules keep: known step, by a member of its audience."""
    specs = {spec.id: spec for spec in the_journey.milestones}
    return tuple(
        c
        for c in the_journey.completions
        if c.milestone_id in specs
        and c.step_id in {s.id for s in specs[c.milestone_id].steps}
        and c.member_id in audience_of(specs[c.milestone_id], the_journey.members)
    )


@PROPERTIES
@given(journeys(), days)
def test_no_milestone_can_be_acted_on_before_its_prerequisites_are_satisfied(the_journey, today):
    state = compute(the_journey, today)
    for spec, status in zip(the_journey.milestones, state.milestones, strict=True):
        known = [p for p in spec.prerequisites if p != "ghost"]
        satisfied = all(state.milestone(p).state in SATISFYING for p in known)
        assert status.prerequisites_met == satisfied
        if status.state in ACTIONABLE:
            assert satisfied
            assert status.opens_on <= today


@PROPERTIES
@given(journeys(), days, st.data())
def test_progress_never_falls_when_a_completion_is_added(the_journey, today, data):
    extra = as_completion(
        the_journey.milestones, the_journey.members, data.draw(completion_choices)
    )
    before = compute(the_journey, today)
    after = compute(replace(the_journey, completions=(*the_journey.completions, extra)), today)
    assert after.progress_percent >= before.progress_percent
    for old, new in zip(before.milestones, after.milestones, strict=True):
        assert new.completed >= old.completed
        if old.state is MilestoneState.DONE:
            assert new.state is MilestoneState.DONE


@PROPERTIES
@given(journeys(), days, days)
def test_a_done_milestone_stays_done_on_every_later_day(the_journey, today, other_day):
    """And on any day at all once its audience did its required steps: only a milestone
    with nothing required waits for a day, its opening day."""
    earlier, later = sorted((today, other_day))
    before = compute(the_journey, earlier)
    after = compute(the_journey, later)
    for old, new in zip(before.milestones, after.milestones, strict=True):
        if old.state is MilestoneState.DONE:
            assert (new.state, new.done_on) == (old.state, old.done_on)
        if new.state is MilestoneState.DONE and new.required:
            assert (old.state, old.done_on) == (new.state, new.done_on)


@PROPERTIES
@given(journeys(), days)
def test_a_milestone_is_done_exactly_when_its_audience_did_every_required_step(the_journey, today):
    state = compute(the_journey, today)
    kept = counted(the_journey)
    for spec, status in zip(the_journey.milestones, state.milestones, strict=True):
        audience = audience_of(spec, the_journey.members)
        if status.state in {MilestoneState.NOT_IN_TRACK, MilestoneState.NOT_APPLICABLE}:
            assert (status.state is MilestoneState.NOT_APPLICABLE) == (
                not audience and (spec.track is None or spec.track in the_journey.tracks)
            )
            continue
        assert set(status.audience_member_ids) == audience
        required = [s for s in spec.steps if s.required]
        if not required:
            expected = status.prerequisites_met and today >= status.opens_on
        else:
            expected = True
            for s in required:
                who = {c.member_id for c in kept if (c.milestone_id, c.step_id) == (spec.id, s.id)}
                expected = expected and (bool(who) if s.shared else who == audience)
        assert (status.state is MilestoneState.DONE) == expected


@PROPERTIES
@given(journeys(), days)
def test_completions_the_rules_ignore_change_nothing(the_journey, today):
    assert compute(the_journey, today) == compute(
        replace(the_journey, completions=counted(the_journey)), today
    )


@PROPERTIES
@given(journeys(), days)
def test_progress_reaches_100_exactly_when_every_milestone_in_the_journey_is_done(
    the_journey, today
):
    state = compute(the_journey, today)
    included = [
        m
        for m in state.milestones
        if m.state not in {MilestoneState.NOT_IN_TRACK, MilestoneState.NOT_APPLICABLE}
    ]
    all_done = all(m.state is MilestoneState.DONE for m in included)
    assert 0 <= state.progress_percent <= 100
    assert (state.progress_percent == 100) == all_done == state.is_complete


@PROPERTIES
@given(journeys(), days, st.randoms(use_true_random=False))
def test_the_order_of_completions_does_not_matter(the_journey, today, random):
    shuffled = list(the_journey.completions)
    random.shuffle(shuffled)
    expected = compute(the_journey, today)
    assert compute(replace(the_journey, completions=tuple(shuffled)), today) == expected
    assert compute(replace(the_journey, completions=frozenset(shuffled)), today) == expected


@PROPERTIES
@given(journeys(), days)
def test_each_member_is_pointed_to_their_first_required_step_left_in_an_open_milestone(
    the_journey, today
):
    state = compute(the_journey, today)
    for member in the_journey.members:
        expected = next(
            (
                NextStep(spec.id, s.id, status.state)
                for spec, status in zip(the_journey.milestones, state.milestones, strict=True)
                if status.state in ACTIONABLE and member.id in status.audience_member_ids
                for s in spec.steps
                if s.required and member.id not in status.steps_done[s.id]
            ),
            None,
        )
        assert state.next_steps[member.id] == expected
