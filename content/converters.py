"""The ``<id:...>`` path converter: a row's id in a URL.

Django's ``<id:...>`` takes any run of digits, and a number past a big
integer's range then fails in the database (SQLite raises an error, so the
page answers 500) instead of finding nothing. ``<id:...>`` matches only ids a
row can have, so any other number answers 404 like an id that does not exist.
"""

from django.urls import register_converter

from .text import as_id


class IdConverter:
    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = as_id(value)
        if number is None:
            raise ValueError(f"{value} is not a row's id")  # Django then tries the next pattern
        return number

    def to_url(self, value) -> str:
        return str(value)


def register() -> None:
    register_converter(IdConverter, "id")
