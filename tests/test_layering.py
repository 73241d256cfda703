"""Imports go one way: insights → matching → journeys → content; themes stands alone.

``cms`` wires the apps together and may import any of them. Apps import from
``cms`` only its accounts' invitations (``CMS_FOR_APPS``), which starting a
journey and approving a match send; the user model they reach through
``settings.AUTH_USER_MODEL``. A lower app that must tell a higher one
something sends a signal.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {
    "content": {"content"},
    "journeys": {"journeys", "content"},
    "matching": {"matching", "journeys", "content"},
    "insights": {"insights", "matching", "journeys", "content"},
    "themes": {"themes"},
}
TRELLIS = {*ALLOWED, "cms"}
CMS_FOR_APPS = {"cms.invitations", "cms.admin_invitations"}


def trellis_imports(path: Path) -> set[tuple[str, int]]:
    """The Trellis modules a module imports, absolutely, with the line of each import."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # ``from cms import invitations`` imports the module ``cms.invitations``.
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {(name, node.lineno) for name in names}
    return {(name, line) for name, line in found if name.split(".")[0] in TRELLIS}


def allowed(app: str, module: str) -> bool:
    return module.split(".")[0] in ALLOWED[app] or any(
        module == allowed or module.startswith(f"{allowed}.") for allowed in CMS_FOR_APPS
    )


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_an_app_imports_only_the_apps_below_it(app):
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {imported}"
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        for imported, line in sorted(trellis_imports(path))
        if not allowed(app, imported)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_an_upward_import(tmp_path):
    module = tmp_path / "upward.py"
    module.write_text(
        "import os\nfrom insights.models import ContentView\n"
        "import journeys\nfrom cms import urls\n"
    )

    assert trellis_imports(module) == {
        ("insights.models.ContentView", 2),
        ("journeys", 3),
        ("cms.urls", 4),
    }
    assert not allowed("journeys", "insights.models.ContentView")
    assert not allowed("journeys", "cms.urls")
    assert allowed("journeys", "cms.invitations")
    assert allowed("insights", "matching.models.Enrollment")
