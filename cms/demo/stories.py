"""The demo's leaders and their stories about the people who helped them grow.

The first leader is the one with a demo login: their stories belong to that
account, and the story marked ``in_review`` is the draft they have sent to the
"Leader story review", waiting for the communications reviewer.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoLeader:
    key: str
    name: str
    title: str
    bio: str


@dataclass(frozen=True)
class DemoStory:
    slug: str
    title: str
    leader: str
    topics: tuple[str, ...]
    pull_quote: str
    summary: str
    body: tuple[tuple[str, object], ...]
    in_review: bool = False


LEADERS = (
    DemoLeader(
        key="coo",
        name="Amara Okafor",
        title="Chief Operating Officer",
        bio=(
            "Amara joined Harbourline as a graduate trainee at the Avonmouth hub and "
            "has since run depots in Leeds and Glasgow. She now leads operations "
            "across all fourteen sites, and mentors two team leaders every year."
        ),
    ),
    DemoLeader(
        key="fleet",
        name="Tom Whitfield",
        title="Director of Fleet Engineering",
        bio=(
            "Tom started as an apprentice vehicle technician at the Daventry workshop. "
            "He leads the team that keeps four hundred trucks and eleven hundred "
            "trailers on the road, and the move to electric vans in our city fleet."
        ),
    ),
    DemoLeader(
        key="planning",
        name="Priya Raman",
        title="Head of Network Planning",
        bio=(
            "Priya spent six years in customer service before a secondment to the "
            "control tower changed her direction. She now leads the planners who "
            "route every load in the network, and champions moves across functions."
        ),
    ),
)


STORIES = (
    DemoStory(
        slug="the-night-supervisor-who-taught-me-to-ask",
        title="The night supervisor who taught me to ask",
        leader="coo",
        topics=("confidence-and-belonging", "first-time-management"),
        pull_quote="She told me the cleverest thing a new manager can say is 'show me'.",
        summary=(
            "Amara Okafor on her first months running a shift at Avonmouth, and the "
            "supervisor who made it safe not to know."
        ),
        body=(
            (
                "paragraph",
                "<p>I was twenty-four when I was given my first night shift at "
                "Avonmouth: forty people, two hundred trailers, and a degree that had "
                "taught me nothing about either. I was determined that nobody would "
                "find out how little I knew.</p>",
            ),
            (
                "paragraph",
                "<p>Maureen had supervised the night shift for nineteen years. In my "
                "second week she found me in the office at three in the morning, "
                "staring at a loading plan I did not understand and too proud to ask "
                "about. She did not explain it. She walked me to bay twelve and asked "
                "the loader there to show me how he actually did it, which was not "
                "the way the plan said.</p>",
            ),
            (
                "quote",
                {
                    "text": "The cleverest thing a new manager can say is 'show me'. "
                    "The daftest is 'I know'.",
                    "attribution": "Maureen, night supervisor at Avonmouth",
                },
            ),
            (
                "paragraph",
                "<p>For the next six months she was my mentor, though neither of us "
                "would have used the word. She never told me what to do. She asked "
                "who on the shift would know, and then made sure I went and asked "
                "them. Slowly, the team started bringing problems to me before they "
                "became emergencies, because I had spent months showing that I "
                "wanted to learn from them.</p>",
            ),
            (
                "paragraph",
                "<p>I still say <em>show me</em> more than anything else on a site "
                "visit. When I mentor new team leaders now, it is the first thing I "
                "pass on. You are not there to know everything. You are there to make "
                "sure the people who do know are heard.</p>",
            ),
        ),
    ),
    DemoStory(
        slug="from-apprentice-to-fleet-director",
        title="From apprentice to fleet director, with a lot of help",
        leader="fleet",
        topics=("moving-across-functions", "warehouse-fleet-technology", "career-mapping"),
        pull_quote="Someone saw a manager in me years before I did.",
        summary=(
            "Tom Whitfield on the workshop foreman who pushed him out from under the "
            "trucks and into his first leadership role."
        ),
        body=(
            (
                "markdown",
                "I left school at sixteen to be an apprentice technician at our "
                "Daventry workshop. I loved the work. Give me a gearbox and a quiet "
                "afternoon and I was happy. I had no plans to lead anybody.\n\n"
                "Dev, the workshop foreman, had other ideas. He noticed that the "
                "younger apprentices came to me when they were stuck, and that I "
                "enjoyed it. So he started giving me the jobs nobody wanted: writing "
                "up the service schedule, presenting the defect figures at the monthly "
                "review, sitting in on the supplier meetings.\n\n"
                "I hated the presentations. My hands shook and I read every word off "
                "the page. Dev sat at the back every time, and afterwards he would "
                "tell me one thing that had worked and one thing to try. Never more "
                "than one of each.",
            ),
            (
                "quote",
                {
                    "text": "You don't have to like it. You just have to get a bit "
                    "better at it every month.",
                    "attribution": "Dev, workshop foreman at Daventry",
                },
            ),
            (
                "markdown",
                "Eight years later I applied for the workshop manager role. I would "
                "not have dared without him. When we began moving the city fleet to "
                "electric vans, I found myself explaining the plan to the board, and "
                "my hands were steady.\n\n"
                "What I learned from Dev is that mentoring is mostly noticing. You "
                "see what someone enjoys before they have put a name to it, and you "
                "give them the chance to do more of it. I try to do the same for the "
                "apprentices in our workshops today.",
            ),
        ),
    ),
    DemoStory(
        slug="the-secondment-that-changed-my-direction",
        title="The secondment that changed my direction",
        leader="planning",
        topics=("moving-across-functions", "network-data", "confidence-and-belonging"),
        pull_quote="I thought planning was for people with a maths degree. I was wrong.",
        summary=(
            "Priya Raman on leaving customer service for the control tower, and the "
            "planner who helped her believe she belonged there."
        ),
        body=(
            (
                "paragraph",
                "<p>For six years I answered the phone when a delivery was late. I got "
                "very good at apologising, and very curious about why the same lanes "
                "went wrong again and again. When a three-month secondment to the "
                "control tower came up, I nearly did not apply. I thought planning was "
                "for people with maths degrees.</p>",
            ),
            (
                "paragraph",
                "<p>On my first day, Graham, one of the senior planners, asked me which "
                "customers complained most and why. I could answer that better than "
                "anyone in the room. He told me that was the most useful data the team "
                "did not have, and asked me to write it down.</p>",
            ),
            (
                "callout",
                {
                    "tone": "note",
                    "title": "What Graham did",
                    "body": "<p>He treated what I already knew as expertise, then "
                    "taught me the tools to use it. He never once made me feel like the "
                    "person from customer service.</p>",
                },
            ),
            (
                "paragraph",
                "<p>He met me every Friday for the rest of the secondment. We went "
                "through the week's exceptions, and he asked me what I would have done "
                "before telling me what he did. By the end I was building my own "
                "reports. When a permanent role came up, he told me to apply and then "
                "stayed out of the interview so nobody could say he had helped.</p>",
            ),
            (
                "paragraph",
                "<p>Today about a third of my planners came from operations or "
                "customer service. They bring the knowledge no dashboard has. If you "
                "are wondering whether you would fit somewhere new, talk to someone "
                "who made the move. You might be closer than you think.</p>",
            ),
        ),
    ),
    DemoStory(
        slug="what-i-got-wrong-about-the-leeds-reorganisation",
        title="What I got wrong about the Leeds reorganisation",
        leader="coo",
        topics=("leading-through-change", "difficult-conversations"),
        pull_quote="I told people what was changing. I forgot to ask what it would cost them.",
        summary=(
            "Amara Okafor on merging two depots, the briefing that went badly, and "
            "what a mentee taught her about leading through change."
        ),
        in_review=True,
        body=(
            (
                "markdown",
                "When we merged our two Leeds depots, I did what I thought a good "
                "leader should. I had a clear plan, I briefed everyone on the same "
                "day, and I answered every question I could.\n\n"
                "It went badly. People nodded in the briefing and then stopped "
                "talking to their managers. Sickness went up. Two of our best team "
                "leaders handed in their notice within a month.\n\n"
                "I only understood why when one of my mentees, a shift manager on the "
                "site, told me what the briefing had sounded like from the floor. I "
                "had spent forty minutes on the new layout and two minutes on shift "
                "patterns. For most people, the shift pattern was the whole story: "
                "school runs, second jobs, caring for parents.",
            ),
            (
                "quote",
                {
                    "text": "You told us what was changing. Nobody asked us what it would cost.",
                    "attribution": "A shift manager at the Leeds depot",
                },
            ),
            (
                "markdown",
                "We went back and held small sessions, shift by shift, starting with "
                "questions rather than slides. We changed the rota proposal twice "
                "because of what we heard.\n\n"
                "I learned that in a reorganisation, the plan is the easy part. The "
                "work is in finding out what it means for each person, and listening "
                "before you are sure you have the answer. I also learned that my "
                "mentees see things I cannot, and that mentoring runs in both "
                "directions.",
            ),
        ),
    ),
)
