"""No area reaches into another's private names (issue 7, ADR 0026/0027).

An area is a domain app (`rideau.orders`, `rideau.documents`…), a surface of `rideau.web`
(`web.shop`, `web.account`…; each `web.backoffice.<area>` on its own) or the API. A name
with a leading underscore is the area's own: another area importing it (`from x import
_name`) or reading it off an imported module (`x._name`) fails here. What several areas
need gets a public name in its right home (`web.toolkit`, `web.account.space`…). Django's
`_meta` is public API.
"""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
ALLOWED_ATTRIBUTES = {"_meta"}


def _area(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 2 and parts[1] == "web":
        return ".".join(parts[:4] if parts[2] == "backoffice" and len(parts) > 3 else parts[:3])
    return ".".join(parts[:2])


def _module_and_package(path: Path) -> tuple[str, str]:
    module = ".".join(path.relative_to(SRC).with_suffix("").parts)
    if path.name == "__init__.py":
        module = module.removesuffix(".__init__")
        return module, module
    return module, module.rsplit(".", 1)[0]


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _crossings(path: Path, source: str | None = None) -> list[str]:
    module, package = _module_and_package(path)
    here = _area(module)
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    imported: dict[str, str] = {}  # local name -> what it names
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{target}.{alias.name}"
                if target.startswith("rideau") and _private(alias.name) and _area(target) != here:
                    found.append(f"{module}:{node.lineno} imports {target}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imported[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and _private(node.attr)
            and node.attr not in ALLOWED_ATTRIBUTES
        ):
            target = imported.get(node.value.id, "")
            if target.startswith("rideau") and _area(target) != here:
                found.append(f"{module}:{node.lineno} reads {target}.{node.attr}")
    return found


def test_no_area_imports_another_areas_private_names():
    found = []
    for path in sorted((SRC / "rideau").rglob("*.py")):
        if "migrations" not in path.parts:
            found += _crossings(path)
    assert found == [], "give the name a public home instead:\n" + "\n".join(found)


def test_the_guard_sees_what_it_forbids_and_lets_the_rest_be():
    """Control: the imports this guard replaced are found; an area's own private names and
    public names of another area are not."""
    portal = SRC / "rideau" / "web" / "portal" / "account_views.py"
    old = "from ..account.views import _context\nfrom ..toolkit import errors_onto\n"
    assert _crossings(portal, old) == [
        "rideau.web.portal.account_views:1 imports rideau.web.account.views._context"
    ]
    contacts = SRC / "rideau" / "web" / "backoffice" / "messaging" / "contacts.py"
    assert _crossings(contacts, "from .views import _add_errors\n") == []  # one area
    seating = SRC / "rideau" / "web" / "backoffice" / "venues" / "seating.py"
    old = "from rideau.venues import services\nservices._plan_in_use(None, None)\n"
    assert _crossings(seating, old) == [
        "rideau.web.backoffice.venues.seating:2 reads rideau.venues.services._plan_in_use"
    ]
