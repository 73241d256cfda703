"""The shape of a journey template over time, for editors' previews."""

from dataclasses import dataclass

from django.utils.text import slugify

from ..blocks import prerequisite_keys


@dataclass(frozen=True)
class TimelineEntry:
    number: int
    title: str
    key: str
    intro: object
    opens_on_day: int
    due_on_day: int
    audience: str
    prerequisites: tuple[str, ...]
    track: object
    steps: tuple


def template_timeline(page) -> list[TimelineEntry]:
    """Milestones in order with the days (from the start) they open and fall due."""
    children = [c for c in page.milestones if c.block_type == "milestone"]
    # Keyed as prerequisites are matched (``prerequisite_keys``): by the key's slug.
    titles = {slugify(c.value.get("key") or ""): c.value.get("title") for c in children}
    entries = []
    for number, child in enumerate(children, start=1):
        value = child.value
        opens = value.get("opens_after_days") or 0
        entries.append(
            TimelineEntry(
                number=number,
                title=value.get("title") or "",
                key=value.get("key") or "",
                intro=value.get("intro"),
                opens_on_day=opens,
                due_on_day=opens + (value.get("due_after_days") or 0),
                audience=value.get("audience") or "everyone",
                prerequisites=tuple(titles.get(k, k) for k in prerequisite_keys(value)),
                track=value.get("track"),
                steps=tuple(value.get("steps") or ()),
            )
        )
    return entries
