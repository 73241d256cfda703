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
    intro = "Guides, worksheets and conversation starters written for our mentoring programmes."


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
