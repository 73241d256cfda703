"""The demo's mentoring program: its words, its journeys and the people on them.

Journey templates are plain data: a read step names the material or story it
shows by slug, a meet step names its discussion guide by slug, and a track
names a topic by slug; the seeding turns slugs into the pages and topics it
created. What participants wrote (reflections, meeting notes, goals) is drawn
from the pools at the bottom, by milestone key and by role ("mentor", or
"mentee" for mentees and circle members alike).
"""

from dataclasses import dataclass

PROGRAM_TITLE = "Grow Together: mentoring at Harbourline"
PROGRAM_SLUG = "grow-together"
PROGRAM_SUMMARY = "Six months with a mentor, or three with a circle, for anyone at Harbourline."
PROGRAM_INTRO = (
    "Grow Together pairs people across Harbourline with someone a few steps further "
    "along a path they are curious about: a first-time team leader with a depot "
    "manager, a customer service adviser with a network planner, a night-shift "
    "picker with an engineer. It is six months of honest conversations, at a pace "
    "that fits round shifts and peak season, with guides and stories from our own "
    "people to start each one. Nobody is too junior to take part, and nobody is "
    "too senior to learn something from the person they mentor."
)


@dataclass(frozen=True)
class DemoObjective:
    """An objective of the program and the figure insights report against it.

    ``measure`` is a ``journeys.models.Measure`` value; a milestone measure names
    the milestone by its key in the journeys below, a pulse measure names its
    topic by slug. Every demo objective has a measure, so the insights
    dashboard shows each one against its target.
    """

    title: str
    description: str
    measure: str
    target: float
    milestone_key: str = ""
    topic: str = ""


OBJECTIVES = (
    DemoObjective(
        "Every new team leader has someone to ask",
        "Everyone promoted into their first leadership role is offered a mentor within "
        "a month of starting. We will know it is working when new leaders tell us, at "
        "six months, that they had someone to ask about the hard parts.",
        measure="matched",
        target=90,
    ),
    DemoObjective(
        "Moves across functions become ordinary",
        "More of our planners, analysts and customer leads come from the depot floor "
        "and the fleet, and more people move the other way. We count internal moves "
        "between functions each year.",
        measure="milestone",
        milestone_key="across-functions",
        target=50,
    ),
    DemoObjective(
        "Everyone belongs, whatever their shift",
        "Night and weekend shifts take part as much as day shifts do. We look at who "
        "enrols by shift pattern and site, and ask every participant at the halfway "
        "point whether the program fits their working life.",
        measure="milestone",
        milestone_key="halfway",
        target=75,
    ),
    DemoObjective(
        "Leaders learn from the people they mentor",
        "Mentors tell us at the end what they learned, and every cohort includes "
        "reverse mentoring pairs in which the more junior person mentors.",
        measure="topic_pulse",
        topic="feedback",
        target=4,
    ),
)


@dataclass(frozen=True)
class DemoMilestone:
    key: str
    title: str
    intro: str
    opens: int
    due: int
    steps: tuple[tuple[str, dict], ...]
    audience: str = "everyone"
    prerequisites: tuple[str, ...] = ()
    track: str = ""


@dataclass(frozen=True)
class DemoJourney:
    slug: str
    title: str
    summary: str
    intro: str
    milestones: tuple[DemoMilestone, ...]


def read(page: str, note: str = "") -> tuple[str, dict]:
    return ("read", {"page": page, "note": note})


def reflect(prompt: str, guidance: str = "") -> tuple[str, dict]:
    return ("reflect", {"prompt": prompt, "guidance": guidance})


def meet(purpose: str, guide: str) -> tuple[str, dict]:
    return ("meet", {"purpose": purpose, "discussion_guide": guide})


def checklist(text: str) -> tuple[str, dict]:
    return ("checklist", {"text": text})


def set_goals(prompt: str) -> tuple[str, dict]:
    return ("set_goals", {"prompt": prompt})


def review_goals(prompt: str) -> tuple[str, dict]:
    return ("review_goals", {"prompt": prompt})


def pulse(question: str = "How valuable was this part of the journey?") -> tuple[str, dict]:
    return ("pulse", {"question": question})


PRIVATE_UNLESS_SHARED = "Nobody else reads this unless you choose to share it."

PAIR_JOURNEY = DemoJourney(
    slug="six-months-together",
    title="Six months together",
    summary="The journey every Grow Together pair follows, from the first hour to the last.",
    intro=(
        "Eight milestones over six months. The first weeks are for getting to know "
        "each other and agreeing what you want from the time; the middle is for "
        "practising something real; the end is for taking stock and saying thank "
        "you. Each milestone opens on its own date, so you always know what is next."
    ),
    milestones=(
        DemoMilestone(
            key="getting-to-know",
            title="Getting to know each other",
            intro=(
                "<p>The first hour sets the tone for everything after it. Start with "
                "Amara's story, then meet somewhere you can both talk freely, and "
                "leave with a date for the next conversation.</p>"
            ),
            opens=0,
            due=14,
            steps=(
                read(
                    "the-night-supervisor-who-taught-me-to-ask",
                    "Amara, our sponsor, on the supervisor who made it safe not to know.",
                ),
                meet(
                    "Get to know each other and agree how you will work together",
                    "first-meeting-checklist",
                ),
                checklist(
                    "Put a recurring meeting in both calendars, at a time both shifts allow"
                ),
                reflect(
                    "What do you hope will be different for you in six months' time?",
                    PRIVATE_UNLESS_SHARED,
                ),
                pulse("How valuable was your first meeting?"),
            ),
        ),
        DemoMilestone(
            key="mentor-preparation",
            title="Preparing to mentor",
            intro=(
                "<p>For mentors only. Twenty minutes on what good help feels like "
                "from the other side of the table.</p>"
            ),
            opens=0,
            due=21,
            audience="mentors",
            steps=(
                read("your-first-conversation-mentors"),
                read(
                    "video-listening-well",
                    "Five minutes, and worth watching again before your next few meetings.",
                ),
                reflect(
                    "Who helped you most early in your career, and what exactly did they do?",
                    "A reminder for you of what good help felt like.",
                ),
                pulse(),
            ),
        ),
        DemoMilestone(
            key="mentee-preparation",
            title="Preparing to be mentored",
            intro=(
                "<p>For mentees only. The more you bring to the second meeting, the "
                "more you will take from it.</p>"
            ),
            opens=0,
            due=21,
            audience="mentees",
            steps=(
                read("your-first-conversation-mentees"),
                read(
                    "career-map-worksheet", "Fill it in before your second meeting; rough is fine."
                ),
                reflect(
                    "Where would you like to be in two years, and what is in the way?",
                    PRIVATE_UNLESS_SHARED,
                ),
                pulse(),
            ),
        ),
        DemoMilestone(
            key="goals",
            title="Setting goals together",
            intro=(
                "<p>Turn what you hope for into two or three goals small enough to "
                "start this month. Your mentor helps you shape them; they stay yours.</p>"
            ),
            opens=14,
            due=21,
            prerequisites=("getting-to-know",),
            steps=(
                read("setting-goals-you-will-keep"),
                set_goals("What do you want to be different by the end of these six months?"),
                reflect("Which goal matters most to you, and how will you know it has moved?"),
                pulse(),
            ),
        ),
        DemoMilestone(
            key="feedback",
            title="Feedback, both ways",
            intro=(
                "<p>Mentors practise giving feedback that lands; mentees practise "
                "asking for feedback they can use. Then you try both on each other.</p>"
            ),
            opens=42,
            due=28,
            prerequisites=("goals",),
            steps=(
                read(
                    "giving-feedback-that-lands",
                    "Mentors: the structure to use. Mentees: what good feedback sounds like.",
                ),
                read("asking-for-feedback"),
                meet(
                    "Practise giving and asking for feedback on something real",
                    "values-in-practice",
                ),
                reflect("What did you hear in the feedback, and what will you do with it?"),
                pulse(),
            ),
        ),
        DemoMilestone(
            key="halfway",
            title="Halfway: how is it going?",
            intro=(
                "<p>Three months in. Look back at your goals honestly, check in on "
                "workload and energy, and decide what the next three months are for.</p>"
            ),
            opens=84,
            due=14,
            prerequisites=("feedback",),
            steps=(
                review_goals(
                    "Look back at the goals you set in the first month: what has moved, "
                    "and what needs to change?"
                ),
                meet(
                    "Look back at three months and agree what the next three are for",
                    "discussion-guide-peak-season",
                ),
                checklist("Tell your line manager one thing mentoring has changed so far"),
                reflect("What has surprised you about mentoring so far?"),
                pulse(),
            ),
        ),
        DemoMilestone(
            key="across-functions",
            title="Exploring a move across functions",
            intro=(
                "<p>For pairs whose goals include a move between operations and a "
                "head-office function. Priya's story is a good place to start.</p>"
            ),
            opens=105,
            due=28,
            prerequisites=("goals",),
            track="moving-across-functions",
            steps=(
                read("the-secondment-that-changed-my-direction"),
                read("video-a-shift-in-the-control-tower"),
                meet(
                    "Talk through what a move would take, and how to test the water",
                    "discussion-guide-depot-to-planning",
                ),
                checklist("Arrange to shadow a shift in the team you are curious about"),
                reflect("What did shadowing show you that a job description could not?"),
            ),
        ),
        DemoMilestone(
            key="closing",
            title="Closing well",
            intro=(
                "<p>A good ending matters as much as a good start. Take stock of your "
                "goals, say thank you, and decide together what happens next.</p>"
            ),
            opens=154,
            due=28,
            prerequisites=("halfway",),
            steps=(
                read(
                    "from-apprentice-to-fleet-director",
                    "Tom on the foreman who saw a manager in him. Perhaps you will be that "
                    "person for someone.",
                ),
                review_goals(
                    "Which goals did you reach, which changed, and which will you carry on?"
                ),
                meet(
                    "Your last meeting as a pair: take stock and say thank you",
                    "closing-well-checklist",
                ),
                reflect(
                    "What will you carry forward from these six months, and who could you "
                    "help next?"
                ),
                pulse("How valuable were these six months of mentoring?"),
            ),
        ),
    ),
)

CIRCLE_JOURNEY = DemoJourney(
    slug="circles-learning-together",
    title="Circles: learning together",
    summary="Three months for a mentor and a small group of first-time team leaders.",
    intro=(
        "Six sessions over three months for a mentor and three or four people in "
        "their first year of leading a team. Everyone brings something real from "
        "their own shift; everyone leaves with ideas from the others."
    ),
    milestones=(
        DemoMilestone(
            key="circle-start",
            title="Meeting the circle",
            intro=(
                "<p>Meet each other, agree how the circle will run, and what stays in the "
                "room.</p>"
            ),
            opens=0,
            due=14,
            steps=(
                read("the-night-supervisor-who-taught-me-to-ask"),
                meet(
                    "Meet each other and agree how the circle will run", "first-meeting-checklist"
                ),
                reflect("What would make this circle worth your time?", PRIVATE_UNLESS_SHARED),
                pulse(),
            ),
        ),
        DemoMilestone(
            key="hosting",
            title="Hosting a circle",
            intro=(
                "<p>For the circle's mentor. Most members are in their first year of "
                "leading people who used to be their peers.</p>"
            ),
            opens=0,
            due=14,
            audience="mentors",
            steps=(
                read("video-listening-well"),
                read("mentoring-a-first-time-manager"),
                checklist("Send the circle the dates of all six sessions"),
            ),
        ),
        DemoMilestone(
            key="circle-goals",
            title="What each of us wants",
            intro="<p>Each member names one or two goals, and the circle helps sharpen them.</p>",
            opens=14,
            due=21,
            prerequisites=("circle-start",),
            steps=(
                read("setting-goals-you-will-keep"),
                set_goals("What do you want to be doing differently as a leader in three months?"),
                reflect("Which goal would you most like the circle's help with?"),
            ),
        ),
        DemoMilestone(
            key="change",
            title="Leading through change",
            intro=(
                "<p>Bring one change from your own team: what is known, what is not, and "
                "who it costs.</p>"
            ),
            opens=35,
            due=21,
            prerequisites=("circle-goals",),
            steps=(
                meet(
                    "Share what is changing in each of your teams",
                    "discussion-guide-reorganisation",
                ),
                reflect("What is one change you could explain better to your team?"),
                pulse(),
            ),
        ),
        DemoMilestone(
            key="peak",
            title="Peak season, together",
            intro="<p>Plan for the busiest weeks of the year before they arrive.</p>",
            opens=56,
            due=21,
            steps=(
                meet(
                    "Plan for peak: workload, rest and asking for help",
                    "discussion-guide-peak-season",
                ),
                checklist("Agree with your manager one thing you will stop doing during peak"),
                reflect("Where will you find rest during peak, and who will you ask for help?"),
            ),
        ),
        DemoMilestone(
            key="circle-close",
            title="Looking back together",
            intro=(
                "<p>Your last session: what moved, what you learned from each other, and "
                "what next.</p>"
            ),
            opens=84,
            due=14,
            prerequisites=("circle-goals",),
            steps=(
                review_goals("Which goals moved, and what will you keep doing on your own?"),
                meet("Your last circle session", "closing-well-checklist"),
                reflect("What did you learn from the others in the circle?"),
                pulse("How valuable was the circle?"),
            ),
        ),
    ),
)

# The people on the demo's journeys, other than the demo logins. Distinct from
# the names the logins draw from, so nobody appears twice.
PARTICIPANT_NAMES = (
    ("Adebayo", "Ogunleye"),
    ("Agnieszka", "Wiśniewska"),
    ("Alfie", "Dawson"),
    ("Amrit", "Sandhu"),
    ("Bethany", "Clarke"),
    ("Bogdan", "Popescu"),
    ("Carys", "Jenkins"),
    ("Connor", "McBride"),
    ("Deepa", "Nair"),
    ("Dylan", "Evans"),
    ("Ellie", "Watson"),
    ("Emeka", "Nwosu"),
    ("Fatima", "Rahman"),
    ("Fergus", "Campbell"),
    ("Grace", "Achterberg"),
    ("Harpreet", "Gill"),
    ("Isla", "Robertson"),
    ("Jamal", "Ahmed"),
    ("Joanna", "Lewandowska"),
    ("Jordan", "Pike"),
    ("Kasia", "Zielinska"),
    ("Liam", "O'Connor"),
    ("Maya", "Greenwood"),
    ("Mohammed", "Ali"),
    ("Nadia", "Haddad"),
    ("Nathan", "Blake"),
    ("Orla", "Byrne"),
    ("Paul", "Atkinson"),
    ("Precious", "Moyo"),
    ("Ravi", "Chauhan"),
    ("Rebecca", "Holt"),
    ("Ryan", "Doherty"),
    ("Samira", "Khan"),
    ("Scott", "Henderson"),
    ("Shona", "MacLeod"),
    ("Stefan", "Petrov"),
    ("Tanisha", "Campbell-Reid"),
    ("Tariq", "Malik"),
    ("Tomasz", "Krawczyk"),
    ("Vanessa", "Boateng"),
    ("Yusuf", "Demir"),
    ("Zara", "Whitmore"),
    ("Ahmed", "Farouk"),
    ("Megan", "Lloyd"),
    ("Anouk", "de Vries"),
    ("Ben", "Hartley"),
    ("Chiamaka", "Eze"),
    ("Daan", "Janssen"),
    ("Eilidh", "Fraser"),
    ("Farid", "Haidari"),
    ("Gemma", "Rowe"),
    ("Hannah", "Schmidt"),
    ("Ibrahim", "Sesay"),
    ("Jessica", "Tran"),
    ("Kwame", "Asante"),
    ("Lotte", "Visser"),
    ("Marcus", "Bell"),
    ("Niamh", "Kelly"),
    ("Oliver", "Brandt"),
    ("Priya", "Raman"),
    ("Rosa", "Moreno"),
    ("Sipho", "Ndlovu"),
    ("Thijs", "Bakker"),
    ("Uma", "Krishnan"),
    ("Wei", "Lim"),
    ("Yara", "Haddad"),
    ("Zofia", "Nowak"),
    ("Callum", "Reid"),
)


# What people wrote. Each pool is keyed by milestone key, then role; a role with
# no entry borrows the other's.
REFLECTIONS = {
    "getting-to-know": {
        "mentee": (
            "I want to stop feeling like the new one in every planning meeting. If in "
            "six months I can **speak first** at least once a week, that is a win.",
            "Honestly? To know whether team leader is for me, or whether I only want it "
            "because it is the next step.",
        ),
        "mentor": (
            "I hope to be more patient. I tend to jump to the answer; I would like to "
            "get better at asking the question that helps someone find it.",
            "I want to understand what the night shift at our site actually deals with. "
            "I have been on days for eight years.",
        ),
    },
    "mentor-preparation": {
        "mentor": (
            "Jim, my first shift manager at Daventry. He never fixed things for me. He "
            "asked *what would you try?* and then let me try it, even when he knew better.",
            "A planner called Ruth, who took twenty minutes every Friday to show me one "
            "thing in the data. Twenty minutes, for two years. I want to pay that back.",
        ),
    },
    "mentee-preparation": {
        "mentee": (
            "In two years I would like to be in the control tower, or at least to have "
            "tried it. What is in the way: I have no idea how people get in there.",
            "Leading the inbound team at Avonmouth. In the way: confidence, mostly, and "
            "that I have never had to give anyone hard feedback.",
        ),
    },
    "goals": {
        "mentee": (
            "The presentation goal. If I can present the quarterly numbers to the site "
            "leadership without reading from the slides, the rest will follow.",
            "Shadowing a planner. I will know it has moved when the date is in my calendar.",
        ),
        "mentor": (
            "I am helping with goals that are not mine, which is harder than I thought. "
            "My job is to keep asking *how will you know?*",
        ),
    },
    "feedback": {
        "mentee": (
            "Three people said the same thing: I explain the problem well and then stop "
            "before saying what I want. Painful to read, and completely true.",
            "My shift manager said I am calmer than I think I am. I did not expect that.",
        ),
        "mentor": (
            "I practised the *what I saw, what it changed* structure and it is much harder "
            "to be vague. Using it with my own team next week.",
            "Receiving feedback from my mentee was the useful part: I interrupt more than "
            "I realised.",
        ),
    },
    "halfway": {
        "mentee": (
            "How much of this is about confidence and not skills. Most of what I wanted "
            "to learn, I already half knew.",
            "That I look forward to it. Even in a bad week the hour feels like mine.",
        ),
        "mentor": (
            "How much I am learning about the parts of Harbourline I never see.",
            "That the best meetings were the ones where I said least.",
        ),
    },
    "across-functions": {
        "mentee": (
            "The pace. Planning looks calm on a dashboard and is anything but. I liked "
            "it more, not less, for seeing that.",
            "That half of what planners do is phone people. My years on the customer "
            "desk count for more than I thought.",
        ),
        "mentor": (
            "Watching my mentee in the control tower reminded me how much operational "
            "knowledge planners lack. We need more people making this move.",
        ),
    },
    "closing": {
        "mentee": (
            "Asking for what I want, out loud, early. And I would like to mentor someone "
            "on the customer desk next year.",
            "The habit of writing down one thing I learned each week. I have kept it up "
            "for five months now.",
        ),
        "mentor": (
            "I carry forward patience, and a much better picture of the night shift. I "
            "have already said yes to the next cohort.",
        ),
    },
    "circle-start": {
        "mentee": (
            "Hearing that the others find the same things hard. That alone would be worth it.",
            "Practical ideas for the first ten minutes of a shift briefing.",
        ),
        "mentor": ("If everyone leaves each session with one thing to try on their next shift.",),
    },
    "circle-goals": {
        "mentee": (
            "Handing over properly at the end of a shift. The circle has done this well.",
            "Having the conversation about lateness I keep putting off.",
        ),
        "mentor": ("Helping four people find their own goals without handing them mine.",),
    },
    "change": {
        "mentee": (
            "The move to the new scanners. I told people the date and not the reason, and "
            "it showed.",
            "The rota change. I could have asked first what it would cost people.",
        ),
        "mentor": ("Amara's point about asking what a change costs people hit home for me too.",),
    },
    "peak": {
        "mentee": (
            "A proper day off each week, and asking the day team leader to cover Fridays.",
            "I will ask for help earlier than I did last year. The circle holds me to it.",
        ),
        "mentor": ("I will check in with each of them in the second week of peak.",),
    },
    "circle-close": {
        "mentee": (
            "That everyone was winging it a bit, and that is fine.",
            "Three ways to open a difficult conversation. I have used two already.",
        ),
        "mentor": ("How differently four people can solve the same problem.",),
    },
}

MEETING_NOTES = {
    "getting-to-know": (
        (
            "Talked about how we each ended up at Harbourline. Agreed to meet every "
            "other Tuesday after the early shift, in the canteen or on a call.\n\n"
            "- What stays between us stays between us\n- Either of us can move a meeting",
            "Both fill in the career map before next time.",
        ),
        (
            "A good first hour. We found we both started in the warehouse, twelve years "
            "apart. Agreed on monthly meetings plus a quick message in between.",
            "Book the next three dates; mentee to bring the career map.",
        ),
    ),
    "feedback": (
        (
            "Worked through the values exercise separately, then compared. Practised "
            "giving feedback on a real handover that went wrong last week.",
            "Mentee asks three colleagues one question each by the end of the month.",
        ),
        (
            "Role-played the conversation with a driver about repeated late returns. "
            "Second attempt was much clearer.",
            "Try the structure for real and bring back what happened.",
        ),
    ),
    "halfway": (
        (
            "Looked back at the goals: one achieved, one changed shape. Talked about "
            "how peak will squeeze the next two months.",
            "Meet fortnightly through peak, thirty minutes by phone if need be.",
        ),
        (
            "Honest review. The presentation goal has moved the most. Agreed to drop the "
            "certification goal for now and come back to it in spring.",
            "Mentee to present at the site meeting on the 14th.",
        ),
    ),
    "across-functions": (
        (
            "Debriefed the control tower shadow shift. Talked about what transfers from "
            "operations and what would need learning.",
            "Ask about the planning secondment scheme before the next intake closes.",
        ),
    ),
    "closing": (
        (
            "Last meeting. Went through the goals one by one, and said what we each "
            "took from the six months. Agreed to have coffee in the spring.",
            "Mentee signs up as a mentor for the next cohort.",
        ),
    ),
    "circle-start": (
        (
            "Introductions round the table. Agreed that what is said in the circle "
            "stays there, and that everyone brings one real situation each time.",
            "Everyone writes down one goal before the next session.",
        ),
    ),
    "change": (
        (
            "Each member described a change in their team. Common thread: people hear "
            "about changes last, from the rota, not from their leader.",
            "Each of us explains one upcoming change in person this month.",
        ),
    ),
    "peak": (
        (
            "Shared plans for peak. Agreed on a group chat for the worst weeks, and on "
            "being honest when someone is running on empty.",
            "Everyone books their days off for December now.",
        ),
    ),
    "circle-close": (
        (
            "Looked back over three months. Every member had moved at least one goal.",
            "Keep the group chat going; meet once more in the new year.",
        ),
    ),
}

GOALS = (
    "Present the quarterly numbers to the site leadership team without notes",
    "Shadow a full shift in the network control tower",
    "Have the conversation about lateness I have been putting off",
    "Run my shift briefing so that somebody else speaks first",
    "Ask three colleagues for feedback and act on one thing they say",
    "Apply for the planning secondment before the next intake closes",
    "Take a proper day off every week through peak season",
    "Learn to read the route-efficiency dashboard well enough to explain it",
    "Hand over at the end of every shift in under ten minutes",
    "Say no to one extra task a week and explain why",
    "Build a development plan with each person on my team",
    "Finish the forklift instructor course",
)


# Reviewing goals at these milestones marks more of them achieved than mid-way.
FINAL_REVIEWS = frozenset({"closing", "circle-close"})

# The demo mentee and mentor: a customer service adviser in Leeds thinking about
# planning, and their mentor. What they wrote is fixed so that the demo shows a
# private reflection, shared ones from both, two meetings and goals.
DEMO_PAIR_TRACKS = ("moving-across-functions",)
DEMO_PAIR_REFLECTIONS = {
    ("getting-to-know", "mentee"): (
        "I nearly did not apply. Everyone else in the cohort seems to have a plan and I "
        "have a feeling. If in six months I know whether planning is really for me, and "
        "not just an escape from the phones, that will be enough.",
        False,
    ),
    ("getting-to-know", "mentor"): (
        "I want to be the person Ruth was for me: someone who makes time, every week, "
        "for twenty minutes. And I want to listen more than I talk.",
        False,
    ),
    ("mentor-preparation", "mentor"): (
        "Ruth, a planner in the Birmingham control tower, who took twenty minutes every "
        "Friday to show me one thing in the data. Twenty minutes, for two years. She "
        "never once made me feel slow for asking.",
        False,
    ),
    ("mentee-preparation", "mentee"): (
        "In two years I would like to be routing loads, not apologising for late ones. "
        "What is in the way:\n\n- I do not know what planners actually do all day\n"
        "- I have never used the network dashboards\n- I am not sure I would be taken "
        "seriously without a degree",
        True,
    ),
    ("goals", "mentee"): (
        "Shadowing a planner matters most. Everything else depends on whether I like "
        "the job once I have seen it.",
        False,
    ),
    ("feedback", "mentee"): (
        "My team leader said I explain customer problems better than anyone on the desk, "
        "and then stop before saying what I think we should do. I am going to finish "
        "the sentence.",
        False,
    ),
    ("feedback", "mentor"): (
        "Practising the *what I saw, what it changed* structure on each other was the "
        "best half-hour so far. Hearing that I interrupt was uncomfortable and fair; "
        "I am counting to three before I answer now.",
        True,
    ),
}
# The demo pair's next meeting, planned on the site: the mentor offered two
# Tuesdays at 2pm, as they agreed, and the mentee took the first.
DEMO_PAIR_NEXT_MEETING = {
    "place": "The Leeds canteen, or a call if one of us is on site elsewhere",
    "minutes": 60,
    "agenda": (
        "- How the first month on the control-tower rota went\n"
        "- The career map: which two moves look right, and who to ask about them\n"
        "- One piece of feedback each of us found hard to give this fortnight"
    ),
}

DEMO_PAIR_MEETINGS = {
    "getting-to-know": (
        "Met in the Leeds canteen after the early shift. Talked about how we both ended "
        "up at Harbourline: the customer desk and the yard, twelve years apart.\n\n"
        "We agreed:\n\n- every other Tuesday at 2pm, an hour, on a call if one of us is "
        "on site elsewhere\n- what we talk about stays between us\n- either of us can move "
        "a meeting, with a day's notice",
        "Mentee fills in the career map; mentor sends the control tower's Monday report "
        "to look at together.",
    ),
    "feedback": (
        "Did the values exercise separately and compared: we both picked *fairness*, for "
        "different reasons. Then practised feedback on a real call that went badly last "
        "week. The second attempt named what happened and what it changed, and it was "
        "much kinder for being clearer.",
        "Mentee asks three colleagues one question each; mentor books the shadow shift "
        "in the control tower.",
    ),
}
DEMO_PAIR_GOALS = (
    "Shadow a full shift in the network control tower",
    "Learn to read the route-efficiency dashboard well enough to explain it",
    "Speak up with a proposal, not just the problem, in the weekly service review",
)
