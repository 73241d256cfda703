import pytest
from django.core.cache import cache
from wagtail.models import Page, Site

from cms.models import HomePage
from content.factories import LibraryIndexPageFactory, StoriesIndexPageFactory
from journeys.services.templates import clear_cache as clear_template_cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with empty caches: ids are reused between tests."""
    cache.clear()
    clear_template_cache()
    yield
    cache.clear()
    clear_template_cache()


@pytest.fixture
def web_process(settings):
    """Switch between web processes that share no cache (no Redis): each has its own.

    ``web_process("web-1")`` makes the requests that follow use web-1's cache;
    the database stays the one they all share.
    """
    used = set()

    def switch(name):
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"web-process-{name}",
            }
        }
        used.add(name)

    yield switch
    for name in used:
        switch(name)
        cache.clear()


@pytest.fixture
def home(db):
    """The site's home page, replacing Wagtail's default welcome page."""
    root = Page.get_first_root_node()
    home = HomePage(title="Acme mentoring", slug="acme")
    # Saved live, as a page made in code is: no revision, nothing to publish.
    root.add_child(instance=home)
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    return home


@pytest.fixture
def library(home):
    return LibraryIndexPageFactory(parent=home)


@pytest.fixture
def stories(home):
    return StoriesIndexPageFactory(parent=home)


@pytest.fixture
def user_factory(db, django_user_model):
    counter = iter(range(10_000))

    def make(email=None, groups=(), password="correct horse battery", **extra):  # noqa: S107
        from django.contrib.auth.models import Group

        user = django_user_model.objects.create_user(
            email=email or f"person{next(counter)}@example.com", password=password, **extra
        )
        for name in groups:
            user.groups.add(Group.objects.get(name=name))
        return user

    return make


@pytest.fixture
def journey_page(program):
    """A published journey, the default for pairs and circles of ``program`` (the
    program fixture of the test's own directory)."""
    from journeys.factories import JourneyPageFactory

    page = JourneyPageFactory(parent=program, title="First year together")
    program.default_pair_journey = page
    program.default_circle_journey = page
    program.save_revision().publish()
    return page
