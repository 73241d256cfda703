"""django-q2 entry points for matching: thin, keyed by plain values."""

from .services import runs


def execute_run(run_id: int) -> str:
    return runs.execute_run(run_id)
