"""factory_boy factories for the library; the tests and ``seed_demo`` share them.

Page factories take a ``parent`` page and add the new page under it, as an
editor would, then publish it unless ``live=False`` is passed.
"""

import factory
from django.utils.text import slugify

from .models import (
    Audience,
    LeaderProfile,
    LeaderStoryPage,
    LibraryIndexPage,
    MaterialKind,
    MaterialPage,
    StoriesIndexPage,
    Topic,
    TopicKind,
)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = TopicKind.SOFT
    description = factory.LazyAttribute(lambda o: f"Growing in {o.name.lower()}.")


class LeaderProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeaderProfile

    name = factory.Sequence(lambda n: f"Leader {n}")
    title = "Director"
    bio = factory.LazyAttribute(lambda o: f"{o.name} has led teams here for many years.")
    live = True


class PageFactory(factory.django.DjangoModelFactory):
    """Adds the page under ``parent`` and publishes a revision of it."""

    class Meta:
        abstract = True

    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))

    @classmethod
    def _create(cls, model_class, *args, parent=None, live=True, owner=None, **kwargs):
        if parent is None:
            raise ValueError(f"{model_class.__name__} needs a parent page.")
        m2m = {
            name: kwargs.pop(name)
            for name in list(kwargs)
            if name in {f.name for f in model_class._meta.many_to_many}
        }
        page = model_class(live=live, owner=owner, **kwargs)
        for name, values in m2m.items():
            getattr(page, name).set(values)
        parent.add_child(instance=page)
        revision = page.save_revision(user=owner)
        if live:
            revision.publish()
            page.refresh_from_db()
        return page


class LibraryIndexPageFactory(PageFactory):
    class Meta:
        model = LibraryIndexPage

    title = "Library"
    slug = "library"
    intro = "Guides, worksheets and conversation starters written for our mentoring programs."


class StoriesIndexPageFactory(PageFactory):
    class Meta:
        model = StoriesIndexPage

    title = "Leader stories"
    slug = "stories"
    intro = "Our leaders on the people who helped them grow."


def markdown_body(text):
    return [("markdown", text)]


class MaterialPageFactory(PageFactory):
    class Meta:
        model = MaterialPage

    title = factory.Sequence(lambda n: f"Material {n}")
    kind = MaterialKind.GUIDE
    audience = Audience.EVERYONE
    estimated_minutes = 10
    summary = factory.LazyAttribute(lambda o: f"What {o.title.lower()} covers.")
    body = factory.LazyAttribute(lambda o: markdown_body(f"## {o.title}\n\nA short guide."))


class LeaderStoryPageFactory(PageFactory):
    class Meta:
        model = LeaderStoryPage

    title = factory.Sequence(lambda n: f"Story {n}")
    leader = factory.SubFactory(LeaderProfileFactory)
    pull_quote = "Someone believed in me before I did."
    body = factory.LazyAttribute(
        lambda o: [("paragraph", f"<p>{o.title}: how a mentor changed my path.</p>")]
    )


_CLOSING_WORDS = "That is all for now. "
_FOCUS = ["Goals", "Feedback", "Stakeholders", "Presenting", "Networking", "Reflection"]


def _filled(make_part, size: int, start: str = "") -> str:
    """``start``, then ``make_part(0)``, ``make_part(1)``... while they fit in
    ``size``, then a closing paragraph of plain words to make exactly ``size``."""
    room = size - len(_CLOSING_WORDS) - 2  # leave room for a closing sentence at least
    parts, length, number = [start], len(start), 0
    while length + len(part := make_part(number)) <= room:
        parts.append(part)
        length += len(part)
        number += 1
    gap = size - length - 2
    closing = (_CLOSING_WORDS * (gap // len(_CLOSING_WORDS) + 1))[:gap]
    parts.append("\n\n" + closing[:-1] + closing[-1].replace(" ", "."))
    return "".join(parts)


def long_markdown_documents(size: int) -> dict[str, str]:
    """Legitimate markdown in every long shape, each exactly ``size`` characters.

    Long lists, long and wide tables, pages of links and guides of many
    sections, written as editors and participants write them. The sanitiser's
    guard must let each through in full at the size cap: the tests prove it
    and ``bench/sanitiser.py`` times them.
    """
    focus = _FOCUS
    return {
        "list of sentences": _filled(
            lambda n: f"- Share one thing you are proud of from week {n} and say why\n", size
        ),
        "list of short items": _filled(lambda n: f"- Step {n}\n", size),
        "numbered steps": _filled(
            lambda n: f"{n + 1}. Agree the ground rules for meeting {n + 1}\n", size
        ),
        "nested list": _filled(
            lambda n: (
                "    "
                * (n % 3)
                + f"- Point {n}: practise **{focus[n % 6].lower()}** with `notes` and "
                f"[a guide](https://example.com/guides/{n})\n"
            ),
            size,
        ),
        "checklist of links": _filled(
            lambda n: (
                f"- Read [guide {n}](https://example.com/library/guide-{n}) "
                f"before *week {n % 12 + 1}*\n"
            ),
            size,
        ),
        "long table": _filled(
            lambda n: (
                f"| {n + 1} | {focus[n % 6]} | {'Mentee' if n % 2 else 'Mentor'} "
                f"| Bring the notes from week {n} |\n"
            ),
            size,
            start="| Week | Focus | Who leads | Notes |\n|:-----|:-----:|----------:|-------|\n",
        ),
        "wide table": _filled(
            lambda n: (
                f"| {n + 1} | 9:00 | – | 14:00 | – | 10:30 | {n % 4 + 1} "
                f"| {'Ana' if n % 2 else 'Raj'} | B{n % 9} | ✓ |\n"
            ),
            size,
            start="| Week | Mon | Tue | Wed | Thu | Fri | Hours | Lead | Room | Done |\n"
            "|---|---|---|---|---|---|---|---|---|---|\n",
        ),
        "table of links": _filled(
            lambda n: (
                f"| {focus[n % 6]} {n} | [Guide {n}](https://example.com/guides/{n}) "
                f"| *{'Mentee' if n % 2 else 'Mentor'}* | `v{n}` |\n"
            ),
            size,
            start="| Topic | Guide | Owner | Version |\n|---|---|---|---|\n",
        ),
        "links in prose": _filled(
            lambda n: (
                f"Week {n}: read [the guide](https://example.com/guide/{n}), the "
                f"[checklist](https://example.com/checklist/{n}) and "
                f"https://example.org/notes/{n}; send questions to mentoring@example.com.\n\n"
            ),
            size,
        ),
        "list of links": _filled(
            lambda n: f"- [Guide {n}: {focus[n % 6]}](https://example.com/library/guide-{n})\n",
            size,
        ),
        "guide": _filled(
            lambda n: (
                f"## {n + 1}. {focus[n % 6]}\n\nGood mentoring starts with *curiosity*. "
                "Before you meet, read the **program guide** and note two or three things "
                f"you would like to learn about {focus[n % 6].lower()}.\n\n"
                "> Ask more than you tell.\n\n- Agree one goal\n- Book the next meeting\n\n"
                + ("```\nGoal: present at the quarterly review\n```\n\n" if n % 4 == 0 else "")
            ),
            size,
        ),
        "guide without blank lines": _filled(
            lambda n: (
                f"### {focus[n % 6]} {n}\nA paragraph right under its heading, with "
                f"*emphasis* and a [link](https://example.com/{n}).\n"
            ),
            size,
        ),
        "questions and answers": _filled(
            lambda n: (
                f"### What happens in week {n + 1}?\n\nYou meet for an hour. Write to "
                f"mentoring@example.com or see https://example.org/faq/{n}.\n\n"
            ),
            size,
        ),
    }
