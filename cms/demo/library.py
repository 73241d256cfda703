"""The demo library's topics and materials, written for Harbourline's people.

Bodies are lists of ``(block name, value)`` pairs in the shape the ``BodyBlock``
stream accepts, with one exception: a call to action names the page it points
to by the target material's slug (``"page": "first-meeting-checklist"``), which
the seeding resolves once that material exists. A material may only point to
one listed before it.
"""

from dataclasses import dataclass

from content.models import Audience, MaterialKind, TopicKind


@dataclass(frozen=True)
class DemoTopic:
    name: str
    slug: str
    kind: str
    description: str


@dataclass(frozen=True)
class DemoMaterial:
    slug: str
    title: str
    kind: str
    audience: str
    topics: tuple[str, ...]
    minutes: int
    summary: str
    body: tuple[tuple[str, object], ...]


TOPICS = (
    DemoTopic(
        "Giving and receiving feedback",
        "feedback",
        TopicKind.SOFT,
        "Saying what you saw and what it changed, and hearing the same about yourself.",
    ),
    DemoTopic(
        "Difficult conversations",
        "difficult-conversations",
        TopicKind.SOFT,
        "Raising the thing everyone is stepping around, kindly and early.",
    ),
    DemoTopic(
        "Presenting to senior audiences",
        "presenting",
        TopicKind.SOFT,
        "Making a clear case to the leadership team in ten minutes or less.",
    ),
    DemoTopic(
        "Leading through change",
        "leading-through-change",
        TopicKind.LEADERSHIP,
        "Keeping a team steady when the structure, the site or the plan moves.",
    ),
    DemoTopic(
        "First-time management",
        "first-time-management",
        TopicKind.LEADERSHIP,
        "The first year of leading people who used to be your peers.",
    ),
    DemoTopic(
        "Safety leadership",
        "safety-leadership",
        TopicKind.LEADERSHIP,
        "Making it normal to stop the line, on the dock, in the yard and on the road.",
    ),
    DemoTopic(
        "Career mapping",
        "career-mapping",
        TopicKind.CAREER,
        "Seeing where you are, where you could go next, and what it would take.",
    ),
    DemoTopic(
        "Moving across functions",
        "moving-across-functions",
        TopicKind.CAREER,
        "From operations to planning, from the depot to the office, and back again.",
    ),
    DemoTopic(
        "Working with network data",
        "network-data",
        TopicKind.TECHNICAL,
        "Reading the control tower's dashboards and asking good questions of them.",
    ),
    DemoTopic(
        "Warehouse and fleet technology",
        "warehouse-fleet-technology",
        TopicKind.TECHNICAL,
        "Scanners, telematics, the warehouse management system and what they are for.",
    ),
    DemoTopic(
        "Workload and recovery",
        "workload-and-recovery",
        TopicKind.WELLBEING,
        "Getting through peak season without running on empty.",
    ),
    DemoTopic(
        "Confidence and belonging",
        "confidence-and-belonging",
        TopicKind.WELLBEING,
        "Feeling that your voice counts, wherever you started and whatever your shift.",
    ),
)


MATERIALS = (
    DemoMaterial(
        slug="first-meeting-checklist",
        title="Checklist: before, during and after your first meeting",
        kind=MaterialKind.CHECKLIST,
        audience=Audience.EVERYONE,
        topics=("confidence-and-belonging",),
        minutes=5,
        summary=(
            "Everything a new pair needs to sort out in the first hour, so the "
            "second meeting can be about something that matters."
        ),
        body=(
            (
                "paragraph",
                "<p>The first meeting sets the pattern for everything after it. Pairs "
                "who leave it with a date in the diary and one thing to talk about next "
                "time are far more likely to still be meeting in six months. Use this "
                "list together; it takes five minutes and saves weeks of drift.</p>",
            ),
            (
                "checklist",
                {
                    "title": "Before you meet",
                    "items": [
                        "Book a full hour, not a gap between two shifts or two calls.",
                        "Pick somewhere you can both talk freely: a quiet room, a walk "
                        "round the yard, or a video call with cameras on.",
                        "Read each other's profile and note one question you want to ask.",
                        "Mentees: jot down two or three things you hope to get out of the year.",
                    ],
                },
            ),
            (
                "checklist",
                {
                    "title": "In the meeting",
                    "items": [
                        "Tell each other how you came to be at Harbourline.",
                        "Agree what stays between you, and what you would both be "
                        "comfortable sharing with the program team.",
                        "Agree how often you will meet and how you will rearrange when "
                        "peak season or a night shift gets in the way.",
                        "Choose one topic for next time.",
                    ],
                },
            ),
            (
                "checklist",
                {
                    "title": "Afterwards",
                    "items": [
                        "Put the next three meetings in both diaries today.",
                        "Write down one thing that surprised you.",
                        "Mark the milestone as done in Trellis so your journey moves on.",
                    ],
                },
            ),
            (
                "callout",
                {
                    "tone": "tip",
                    "title": "If you work different shifts",
                    "body": "<p>Many of our pairs span the day and night teams. Agree "
                    "a standing slot at a shift change and protect it; a half-hour "
                    "that actually happens beats an hour that keeps moving.</p>",
                },
            ),
        ),
    ),
    DemoMaterial(
        slug="your-first-conversation-mentees",
        title="Your first conversation: a guide for mentees",
        kind=MaterialKind.GUIDE,
        audience=Audience.MENTEES,
        topics=("confidence-and-belonging", "career-mapping"),
        minutes=8,
        summary=(
            "What to bring, what to ask and what to expect from the first hour with "
            "your mentor, written by mentees who have done it."
        ),
        body=(
            (
                "markdown",
                "Your mentor said yes because they want to. Nobody at Harbourline is "
                "told to mentor; the people in this program volunteered, and most of "
                "them remember someone who did the same for them. You are not taking "
                "up their time. You are the reason they signed up.\n\n"
                "## What to bring\n\n"
                "You do not need a polished plan. Bring a rough answer to three "
                "questions:\n\n"
                "1. What is going well in your work at the moment?\n"
                "2. What is one thing you would like to be better at by this time "
                "next year?\n"
                "3. What do you find yourself avoiding?\n\n"
                "The third one is often where the useful conversations are.\n\n"
                "## What to ask\n\n"
                "Ask about their path, not just their job. How did they get from their "
                "first role to this one? What nearly went wrong? Who helped? Most of "
                "our leaders started on a dock, at a depot desk or in a graduate "
                "scheme, and their stories are more winding than their job titles "
                "suggest.\n\n"
                "## What to expect\n\n"
                "A good first meeting feels more like a conversation than an "
                "interview. Your mentor may ask you questions you have never been "
                "asked at work. Take your time answering. It is fine to say "
                "*I don't know yet*.",
            ),
            (
                "callout",
                {
                    "tone": "note",
                    "title": "You set the agenda",
                    "body": "<p>Mentoring here is led by the mentee. Your mentor will "
                    "help you think, but the topics, the pace and the goals are "
                    "yours.</p>",
                },
            ),
            (
                "call_to_action",
                {
                    "text": "Go through the practical details together.",
                    "label": "Open the first-meeting checklist",
                    "page": "first-meeting-checklist",
                },
            ),
        ),
    ),
    DemoMaterial(
        slug="your-first-conversation-mentors",
        title="Your first conversation: a guide for mentors",
        kind=MaterialKind.GUIDE,
        audience=Audience.MENTORS,
        topics=("confidence-and-belonging", "feedback"),
        minutes=8,
        summary=(
            "How to make the first hour feel safe and useful: listen more than you "
            "talk, share a setback, and leave with a next step."
        ),
        body=(
            (
                "markdown",
                "Your mentee will probably arrive a little nervous, whatever their "
                "grade. Your first job is not to advise. It is to make it easy for "
                "them to say what they actually think.\n\n"
                "## Talk less than you want to\n\n"
                "Aim to speak for about a third of the hour. When you notice yourself "
                "starting a story about how you handled something similar, pause and "
                "ask a question instead: *What have you tried so far? What would you "
                "do if it were entirely up to you?*\n\n"
                "## Share a setback early\n\n"
                "Tell them about a time something went wrong for you: a missed "
                "delivery window you owned, a promotion you did not get, a conversation "
                "you handled badly. It tells your mentee that this is a place where "
                "difficulties can be spoken about, and it does so faster than any "
                "reassurance.\n\n"
                "## Agree the ground rules\n\n"
                "Say plainly that what they tell you stays with you, unless someone's "
                "safety is at risk. Agree how you will contact each other, and what "
                "happens when one of you needs to cancel.\n\n"
                "## Close with a next step\n\n"
                "Before you part, ask them to name one thing they would like to talk "
                "about next time, and one small thing they will try before then.",
            ),
            (
                "quote",
                {
                    "text": "I thought I had to have answers. What she needed was "
                    "somebody who would listen to the whole question.",
                    "attribution": "A mentor in Network Planning",
                },
            ),
            (
                "reflection_prompt",
                {
                    "prompt": "Who made it easy for you to ask for help early in your "
                    "career, and what exactly did they do?",
                    "guidance": "Think about specific words or habits you could borrow.",
                },
            ),
        ),
    ),
    DemoMaterial(
        slug="giving-feedback-that-lands",
        title="Giving feedback that lands",
        kind=MaterialKind.GUIDE,
        audience=Audience.MENTORS,
        topics=("feedback", "difficult-conversations"),
        minutes=10,
        summary=(
            "A simple structure for feedback your mentee can act on, and how to "
            "help them practise it with their own team."
        ),
        body=(
            (
                "markdown",
                "Most feedback fails for one of two reasons: it is so vague that "
                "nobody knows what to change, or it arrives so late that nothing can "
                "be changed. The fix for both is the same. Be specific, and be "
                "prompt.\n\n"
                "## Situation, behaviour, impact\n\n"
                "Describe **the situation** (when and where), **the behaviour** "
                "(what you saw or heard, not what you assume about intent), and "
                "**the impact** (what it changed). Then stop and ask what they make "
                "of it.\n\n"
                "> At Tuesday's depot briefing, you gave the new starters the "
                "reversing rules before the break rota. The questions afterwards were "
                "all about safety, which is exactly what we wanted. What made you "
                "change the order?\n\n"
                "The same structure works for feedback that is harder to hear. Keep "
                "to what happened, name the effect, and invite their view before "
                "offering yours.\n\n"
                "## Feedback inside the mentoring relationship\n\n"
                "Your mentee is not your report, so you will rarely see their work "
                "first-hand. Your feedback will mostly be about how they describe "
                "situations to you. Listen for patterns: a colleague who is always "
                "the problem, a manager who never explains, a task that is always "
                "someone else's. Reflect the pattern back gently and ask whether it "
                "rings true.\n\n"
                "## Helping them give feedback\n\n"
                "Many of our mentees are new team leaders on a shift. Offer to "
                "rehearse a conversation with them: you play the colleague, they "
                "practise the opening line, then swap.",
            ),
            (
                "callout",
                {
                    "tone": "important",
                    "title": "Never in front of the team",
                    "body": "<p>Praise in public if the person is comfortable with it; "
                    "correct in private, always. On a busy dock that means finding a "
                    "quiet corner, not waiting a week for a meeting room.</p>",
                },
            ),
        ),
    ),
    DemoMaterial(
        slug="asking-for-feedback",
        title="Asking for feedback you can actually use",
        kind=MaterialKind.EXERCISE,
        audience=Audience.MENTEES,
        topics=("feedback", "confidence-and-belonging"),
        minutes=20,
        summary=(
            "A two-week exercise: ask three people one precise question each, then "
            "make sense of the answers with your mentor."
        ),
        body=(
            (
                "markdown",
                "*How am I doing?* is the question most likely to get the answer "
                "*Fine, thanks*. People find it far easier to answer a narrow question "
                "about a specific moment. This exercise helps you ask better ones.\n\n"
                "## Step 1: choose what you want to learn\n\n"
                "Pick one skill you are working on with your mentor. Examples from "
                "this year's pairs: running the morning huddle, writing handover "
                "notes for the night team, explaining a late delivery to a customer.\n\n"
                "## Step 2: ask three people\n\n"
                "Choose someone above you, someone alongside you and someone who "
                "relies on your work. Ask each one, soon after the moment itself:\n\n"
                "* *What is one thing I did in that huddle that helped?*\n"
                "* *What is one thing I could do differently next time?*\n\n"
                "Write down their exact words. Resist the urge to explain or defend.\n\n"
                "## Step 3: look for the pattern\n\n"
                "After two weeks, bring your notes to your mentor. Where do the "
                "answers agree? Where do they differ, and why might that be?",
            ),
            (
                "reflection_prompt",
                {
                    "prompt": "Which piece of feedback was hardest to hear, and what "
                    "is the grain of truth in it?",
                    "guidance": "You do not have to agree with all of it. Look for the "
                    "part that is useful.",
                },
            ),
            (
                "call_to_action",
                {
                    "text": "Your mentor has a guide on the other side of this conversation.",
                    "label": "Read 'Giving feedback that lands'",
                    "page": "giving-feedback-that-lands",
                },
            ),
        ),
    ),
    DemoMaterial(
        slug="career-map-worksheet",
        title="Career map worksheet",
        kind=MaterialKind.WORKSHEET,
        audience=Audience.MENTEES,
        topics=("career-mapping", "moving-across-functions"),
        minutes=30,
        summary=(
            "Map where you have been, what you have learned and three directions you "
            "could take next. Fill it in before you discuss it with your mentor."
        ),
        body=(
            (
                "heading",
                {"text": "Part 1: where you have been", "level": "h2"},
            ),
            (
                "markdown",
                "List every role you have had, inside Harbourline and before it, "
                "including the ones that do not seem relevant. For each, write one "
                "thing you were good at and one thing you learned the hard way.\n\n"
                "| Role | Good at | Learned the hard way |\n"
                "|---|---|---|\n"
                "| | | |\n"
                "| | | |\n"
                "| | | |",
            ),
            (
                "heading",
                {"text": "Part 2: what gives you energy", "level": "h2"},
            ),
            (
                "markdown",
                "Think back over the last three months. Note two days when you went "
                "home with more energy than you started with, and two when you went "
                "home drained. What were you doing? Who were you with? Was it the "
                "task, the people or the pace?",
            ),
            (
                "heading",
                {"text": "Part 3: three possible next steps", "level": "h2"},
            ),
            (
                "markdown",
                "Sketch three directions, deliberately different from each other:\n\n"
                "1. **Deeper**: a bigger version of what you do now.\n"
                "2. **Sideways**: a move into another function, such as from "
                "warehouse operations into network planning, or from customer service "
                "into account management.\n"
                "3. **Wildcard**: something you have never said out loud.\n\n"
                "For each, write what you would need to learn and who at Harbourline "
                "already does it.",
            ),
            (
                "reflection_prompt",
                {
                    "prompt": "Which of the three directions did you find easiest to "
                    "write about, and which did you most want to?",
                    "guidance": "If they are different, that is worth a conversation.",
                },
            ),
        ),
    ),
    DemoMaterial(
        slug="setting-goals-you-will-keep",
        title="Setting goals you will actually keep",
        kind=MaterialKind.WORKSHEET,
        audience=Audience.EVERYONE,
        topics=("career-mapping",),
        minutes=20,
        summary=(
            "Turn a hope into two or three goals small enough to start this month, "
            "and agree how you will review them together."
        ),
        body=(
            (
                "markdown",
                "Goals in mentoring are different from the objectives in your "
                "performance review. Nobody grades them, and changing them halfway "
                "through is a sign of learning, not failure. They exist to give your "
                "conversations a thread.\n\n"
                "## From hope to goal\n\n"
                "Start with the hope, in plain words: *I want to be taken seriously in "
                "planning meetings.* Then ask three questions of it:\n\n"
                "* **What would be different?** *I would speak in the first ten "
                "minutes, and my suggestions would be followed up.*\n"
                "* **What is the smallest step?** *Prepare one data point before "
                "Monday's volume review.*\n"
                "* **How will we know?** *I will note after each meeting whether I "
                "spoke, and what happened next.*\n\n"
                "## Keep it to three\n\n"
                "More than three goals and none of them gets attention. If you have a "
                "longer list, park the rest on a page called *later*.\n\n"
                "## Review, don't report\n\n"
                "Every third meeting, look back at the goals together. Ask what moved, "
                "what got stuck and whether the goal is still the right one.",
            ),
            (
                "checklist",
                {
                    "title": "A goal is ready when",
                    "items": [
                        "You can say it in one sentence.",
                        "You could take the first step this week.",
                        "You both know what progress would look like.",
                        "It is yours, not your manager's.",
                    ],
                },
            ),
        ),
    ),
    DemoMaterial(
        slug="video-listening-well",
        title="Video: listening well in five minutes",
        kind=MaterialKind.VIDEO,
        audience=Audience.MENTORS,
        topics=("feedback", "difficult-conversations"),
        minutes=6,
        summary=(
            "A short film from the Avonmouth mentoring circle on the difference "
            "between waiting to speak and really listening."
        ),
        body=(
            (
                "paragraph",
                "<p>This five-minute film was recorded with three mentors from the "
                "Avonmouth hub. They talk about the habits that helped them listen "
                "better, and the ones they had to unlearn. The transcript below covers "
                "the main points, for anyone who prefers to read.</p>",
            ),
            (
                "callout",
                {
                    "tone": "note",
                    "title": "Where to watch",
                    "body": "<p>Your program team adds the film here once it is "
                    "uploaded to the company video channel. Until then, the notes "
                    "below stand on their own.</p>",
                },
            ),
            (
                "markdown",
                "## What the mentors said\n\n"
                "**Notice the urge to fix.** One mentor, a shift manager for twelve "
                "years, describes catching himself solving a mentee's rota problem "
                "before she had finished describing it. *She didn't need my answer. "
                "She needed to hear herself think it through.*\n\n"
                "**Ask the second question.** The first answer to *How's it going?* "
                "is rarely the real one. Follow it with *And what's taking up most of "
                "your head at the moment?*\n\n"
                "**Play it back.** Summarise what you heard in a sentence, and ask "
                "whether you got it right. It shows you were listening and often "
                "surfaces what was missed.\n\n"
                "**Get comfortable with silence.** Count to five before you fill a "
                "pause. The most important thing is often said in the sixth second.",
            ),
            (
                "reflection_prompt",
                {
                    "prompt": "In your last conversation with your mentee, how much "
                    "of the time were you talking?",
                    "guidance": "A rough guess is fine. What would you change next time?",
                },
            ),
        ),
    ),
    DemoMaterial(
        slug="video-a-shift-in-the-control-tower",
        title="Video: a shift in the network control tower",
        kind=MaterialKind.VIDEO,
        audience=Audience.MENTEES,
        topics=("network-data", "moving-across-functions"),
        minutes=12,
        summary=(
            "Follow the Birmingham control tower team through a Monday morning, and "
            "see how network data turns into decisions on the road."
        ),
        body=(
            (
                "paragraph",
                "<p>Many mentees ask what the network planning team actually does all "
                "day. This film follows three planners through the busiest morning of "
                "the week, from the overnight exceptions report to the last trailer "
                "re-routed before lunch.</p>",
            ),
            (
                "markdown",
                "## Before you watch\n\n"
                "Keep these questions in mind; they make a good start to your next "
                "conversation with your mentor.\n\n"
                "* Which decisions are made by the system, and which by a person?\n"
                "* What information do the planners wish they had sooner?\n"
                "* Where does a depot's local knowledge change the plan?\n\n"
                "## What you will see\n\n"
                "**06:00, the exceptions report.** Overnight, the telematics feed has "
                "flagged four trailers running late. A planner checks which deliveries "
                "are at risk and calls the depots concerned before their customers "
                "open.\n\n"
                "**08:30, the volume review.** Forecast against actual, by lane. The "
                "team explains why a two per cent swing on one route matters more "
                "than ten per cent on another.\n\n"
                "**11:00, a re-route.** A closure on the M6 means three loads need new "
                "routes. Watch how the planner weighs drivers' hours, customer windows "
                "and fuel, and then rings the driver to check the plan makes sense "
                "from the cab.",
            ),
            (
                "callout",
                {
                    "tone": "tip",
                    "title": "Curious about a move into planning?",
                    "body": "<p>The control tower runs a two-day shadowing scheme for "
                    "people from the depots. Ask your mentor to help you put a case "
                    "to your manager.</p>",
                },
            ),
        ),
    ),
    DemoMaterial(
        slug="discussion-guide-reorganisation",
        title="Discussion guide: navigating a reorganisation",
        kind=MaterialKind.DISCUSSION_GUIDE,
        audience=Audience.EVERYONE,
        topics=("leading-through-change", "workload-and-recovery"),
        minutes=15,
        summary=(
            "Questions for a mentoring conversation while your team, site or role is "
            "being reshaped, when the answers are not all known yet."
        ),
        body=(
            (
                "paragraph",
                "<p>Change at Harbourline usually arrives with a new contract, a new "
                "site or new technology, and it rarely arrives with every detail "
                "settled. Mentoring conversations are one of the few places where "
                "people can think out loud about it without it counting against them. "
                "Use these questions in any order.</p>",
            ),
            (
                "heading",
                {"text": "Making sense of what is happening", "level": "h2"},
            ),
            (
                "markdown",
                "* What do you know for certain about the change, and what are you "
                "guessing?\n"
                "* Where are you getting your information? Who could tell you more?\n"
                "* What is the change trying to fix, as far as you can tell?",
            ),
            (
                "heading",
                {"text": "How it feels", "level": "h2"},
            ),
            (
                "markdown",
                "* What worries you most? What, if anything, are you looking forward "
                "to?\n"
                "* What is the conversation like in your team, on the floor and in the "
                "break room?\n"
                "* How are you sleeping? How is your energy at the end of a shift?",
            ),
            (
                "heading",
                {"text": "What you can influence", "level": "h2"},
            ),
            (
                "markdown",
                "* Which parts of this are within your control, and which are not?\n"
                "* If you lead a team, what do they need to hear from you this week, "
                "even if it is *I don't know yet*?\n"
                "* What would a good outcome look like for you in six months?",
            ),
            (
                "callout",
                {
                    "tone": "important",
                    "title": "Mentors: stay on your mentee's side",
                    "body": "<p>You may know more about the change than your mentee "
                    "does. Do not share what is confidential, and do not guess. Your "
                    "role is to help them think, not to brief them.</p>",
                },
            ),
            (
                "quote",
                {
                    "text": "Nobody could tell me whether my depot would stay open. "
                    "My mentor helped me work out what I would do either way, and "
                    "that made the waiting bearable.",
                    "attribution": "A team leader at the Leeds depot",
                },
            ),
        ),
    ),
    DemoMaterial(
        slug="discussion-guide-depot-to-planning",
        title="Discussion guide: from the depot floor to the planning office",
        kind=MaterialKind.DISCUSSION_GUIDE,
        audience=Audience.EVERYONE,
        topics=("moving-across-functions", "network-data", "career-mapping"),
        minutes=15,
        summary=(
            "For pairs talking about a move between operations and a head-office "
            "function: what transfers, what does not, and how to test the water."
        ),
        body=(
            (
                "markdown",
                "Some of Harbourline's best planners, analysts and account managers "
                "started on a depot floor. They bring something the office cannot "
                "teach: a feel for what a plan looks like at four in the morning with "
                "two drivers off sick. This guide helps a pair explore whether a "
                "similar move is right, and how to make it well.\n\n"
                "## What you already bring\n\n"
                "* Which problems do you solve on shift that nobody writes down?\n"
                "* When did you last spot that a plan would not work before it "
                "failed? How did you know?\n"
                "* Which numbers do you already watch closely, even informally?\n\n"
                "## What would be new\n\n"
                "* How do you feel about a job where the results of your work are a "
                "week away, rather than an hour?\n"
                "* Which tools would you need to learn? The warehouse management "
                "system's reports, spreadsheets, the planning software?\n"
                "* What would you miss about the floor?\n\n"
                "## Testing the water\n\n"
                "* Who could you shadow for a day?\n"
                "* Is there a project, such as a peak-season volume review, where "
                "your local knowledge would be welcome?\n"
                "* What would you need to see to know it was the right move?\n\n"
                "## For the mentor\n\n"
                "If you made a similar move, share what surprised you. If you did not, "
                "offer an introduction to someone who did.",
            ),
        ),
    ),
    DemoMaterial(
        slug="discussion-guide-peak-season",
        title="Discussion guide: workload, rest and peak season",
        kind=MaterialKind.DISCUSSION_GUIDE,
        audience=Audience.MENTEES,
        topics=("workload-and-recovery", "confidence-and-belonging"),
        minutes=12,
        summary=(
            "Between October and January our volumes nearly double. Questions to talk "
            "through before peak starts, and a check-in for halfway through."
        ),
        body=(
            (
                "paragraph",
                "<p>Peak season is when Harbourline earns its reputation, and when "
                "people are most likely to run themselves into the ground. Talking "
                "about it with your mentor before it starts is one of the most useful "
                "things a pair can do in the autumn.</p>",
            ),
            (
                "markdown",
                "## Before peak\n\n"
                "* What did last year's peak teach you about your own limits?\n"
                "* What early signs tell you that you are getting too tired: shorter "
                "temper, poorer sleep, skipping breaks?\n"
                "* What will you stop doing for the three months, so that something "
                "else can have your energy?\n"
                "* Who covers for you, and whom do you cover for?\n\n"
                "## Halfway through\n\n"
                "* On a scale of one to ten, how much do you have left in the tank?\n"
                "* What has been harder than you expected? What has been easier?\n"
                "* Is there one conversation you need to have with your manager about "
                "workload? How could you open it?",
            ),
            (
                "callout",
                {
                    "tone": "important",
                    "title": "Support is there",
                    "body": "<p>If you are struggling, the employee assistance line "
                    "is free, confidential and open around the clock. Your mentor can "
                    "help you find the number, and will not pass on what you tell "
                    "them.</p>",
                },
            ),
            (
                "reflection_prompt",
                {
                    "prompt": "What does a good day off look like for you during peak?",
                    "guidance": "Be specific. Protect one in the rota before it fills up.",
                },
            ),
        ),
    ),
    DemoMaterial(
        slug="values-in-practice",
        title="Values in practice: an exercise for pairs",
        kind=MaterialKind.EXERCISE,
        audience=Audience.EVERYONE,
        topics=("confidence-and-belonging", "career-mapping", "safety-leadership"),
        minutes=25,
        summary=(
            "Choose the values that matter most to you, find where they show up at "
            "work, and notice where they clash. Works best done separately, then "
            "shared."
        ),
        body=(
            (
                "markdown",
                "Harbourline's values are on the wall of every depot: *safe every time, "
                "straight talking, in it together*. Your own values may overlap with "
                "those, or not. This exercise helps you name yours and see how they "
                "shape the choices you make at work.\n\n"
                "## Step 1: choose five\n\n"
                "From the list below, choose the ten that feel most like you. Then cut "
                "to five. The cutting is the useful part.\n\n"
                "> fairness, craft, loyalty, independence, recognition, security, "
                "learning, calm, pace, honesty, care, ambition, humour, order, "
                "freedom, belonging, challenge, service, safety, creativity\n\n"
                "## Step 2: find the evidence\n\n"
                "For each of your five, write down a moment in the last month when it "
                "showed up in what you did. If you cannot find one, is it a value you "
                "hold, or one you would like to?\n\n"
                "## Step 3: notice the friction\n\n"
                "Think of a time at work that left you uneasy. Which of your values "
                "was being squeezed? *Pace* against *safety* on a late-running dock is "
                "a common one here. *Loyalty* against *honesty* when a friend on the "
                "team cuts a corner is another.\n\n"
                "## Step 4: share\n\n"
                "Each of you talks through your five for ten minutes while the other "
                "listens and asks only questions.",
            ),
            (
                "reflection_prompt",
                {
                    "prompt": "Which value was hardest to cut, and what does that tell you?",
                    "guidance": "",
                },
            ),
        ),
    ),
    DemoMaterial(
        slug="mentoring-a-first-time-manager",
        title="Mentoring a first-time manager",
        kind=MaterialKind.GUIDE,
        audience=Audience.MENTORS,
        topics=("first-time-management", "difficult-conversations", "safety-leadership"),
        minutes=10,
        summary=(
            "The first year of leading former peers is one of the loneliest at work. "
            "What to listen for, and where your experience helps most."
        ),
        body=(
            (
                "markdown",
                "Most of our team leaders are promoted from the team they now lead. "
                "On Friday they were on the forklift rota with their friends; on "
                "Monday they are deciding who works the bank holiday. It is a hard "
                "transition, and mentoring helps most in the first six months.\n\n"
                "## What to listen for\n\n"
                "* **Doing instead of leading.** New managers often cover every gap "
                "themselves because it is quicker than asking. Ask what would happen "
                "if they stopped for a week.\n"
                "* **Avoiding one person.** There is usually a former peer who finds "
                "the change hardest. Help your mentee plan that conversation rather "
                "than wait for it to go wrong.\n"
                "* **Safety calls.** A new leader may hesitate to stop a job that "
                "their old mates are rushing. Talk through how they would handle it "
                "before it happens.\n\n"
                "## Where you help most\n\n"
                "Share the mistakes from your own first year. Your mentee has no "
                "shortage of people telling them what good looks like; they have far "
                "fewer admitting it took them a while to get there.\n\n"
                "## What to avoid\n\n"
                "You are not their line manager. If they describe a problem with "
                "their manager, help them prepare the conversation; do not have it "
                "for them.",
            ),
            (
                "quote",
                {
                    "text": "The hardest shift I ever ran was my first one in charge, "
                    "with the people I had been eating lunch with the day before.",
                    "attribution": "A shift manager at the Daventry cross-dock",
                },
            ),
        ),
    ),
    DemoMaterial(
        slug="closing-well-checklist",
        title="Checklist: closing a mentoring relationship well",
        kind=MaterialKind.CHECKLIST,
        audience=Audience.EVERYONE,
        topics=("career-mapping", "feedback"),
        minutes=5,
        summary=(
            "A good ending matters as much as a good start. Take stock, say thank "
            "you, and decide together what happens next."
        ),
        body=(
            (
                "paragraph",
                "<p>Most mentoring relationships in our program run for a year. Some "
                "finish sooner because the goals were met, or because one of you "
                "changed role. However it ends, give it a proper last meeting.</p>"
                "<p>Endings are easy to skip. The last meeting gets moved for a busy "
                "week, then again, and the relationship simply fades. That is a shame, "
                "because the closing conversation is where most pairs finally say out "
                "loud what changed. Mentees often realise how far they have come only "
                "when they hear it described back to them.</p>",
            ),
            (
                "checklist",
                {
                    "title": "In your last meeting",
                    "items": [
                        "Look back at the goals you set in the first month. What moved?",
                        "Name the conversation that made the biggest difference.",
                        "Mentees: say what you will keep doing without your mentor.",
                        "Mentors: say what you learned from your mentee.",
                        "Agree whether you will stay in touch, and how.",
                    ],
                },
            ),
            (
                "checklist",
                {
                    "title": "Afterwards",
                    "items": [
                        "Complete the closing pulse in Trellis; it shapes next year's program.",
                        "Thank your partner in writing, even briefly.",
                        "Consider whether you would mentor, or be mentored, again.",
                    ],
                },
            ),
            (
                "call_to_action",
                {
                    "text": "Thinking about what comes next?",
                    "label": "Revisit the career map worksheet",
                    "page": "career-map-worksheet",
                },
            ),
            (
                "reflection_prompt",
                {
                    "prompt": "What will you miss about these conversations, and how "
                    "could you keep a little of that going?",
                    "guidance": "A peer, a circle or a future mentee might be the answer.",
                },
            ),
        ),
    ),
)
