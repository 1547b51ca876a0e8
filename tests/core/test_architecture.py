"""The apps form layers, and a module may only import from the layers below its own
(ARCHITECTURE.md). Imports inside functions count, and so do string references to another
app's models ("resources.Resource" in a ForeignKey, `apps.get_model("forums", "Post")`):
each is a dependency as real as an import statement."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Lowest first. A package listed before another may not import it; within a layer,
# modules may import each other. The site is what is left of `cdp_portal` once the
# packages above it are taken out.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cdp_portal.core",),
    ("cdp_portal.outbox",),
    ("cdp_portal.accounts",),
    ("communities",),
    ("conversations",),
    ("resources",),
    ("forums",),
    ("readiness",),
    ("digests",),
    ("cdp_portal",),
)
# The app label under which each package's models are registered.
APP_LABELS = {
    "outbox": "cdp_portal.outbox",
    "accounts": "cdp_portal.accounts",
    "communities": "communities",
    "conversations": "conversations",
    "resources": "resources",
    "forums": "forums",
    "readiness": "readiness",
    "digests": "digests",
}
MODEL_REFERENCE = re.compile(rf"^({'|'.join(APP_LABELS)})\.[A-Z][A-Za-z0-9]*$")


def layer_of(module: str) -> int | None:
    for index in range(len(LAYERS) - 1, -1, -1):
        for package in LAYERS[index]:
            if module == package or module.startswith(package + "."):
                # A deeper package wins over the site's catch-all "cdp_portal".
                deeper = [
                    i
                    for i, packages in enumerate(LAYERS)
                    for p in packages
                    if (module == p or module.startswith(p + ".")) and len(p) > len(package)
                ]
                return deeper[0] if deeper else index
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@dataclass(frozen=True)
class Dependency:
    source: str
    line: int
    target: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line} -> {self.target}"


def dependencies(path: Path) -> list[Dependency]:
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            targets = [target] + [f"{target}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if MODEL_REFERENCE.match(node.value):
                targets = [APP_LABELS[node.value.split(".")[0]] + ".models"]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "get_model":
            label = node.args[0] if node.args else None
            if isinstance(label, ast.Constant) and label.value in APP_LABELS:
                targets = [APP_LABELS[label.value] + ".models"]
        found += [Dependency(module, node.lineno, target) for target in targets]
    return found


def project_modules() -> list[Path]:
    packages = {p.split(".")[0] for layer in LAYERS for p in layer}
    return [
        path
        for package in sorted(packages)
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def violations() -> list[Dependency]:
    wrong = []
    for path in project_modules():
        for dependency in dependencies(path):
            source, target = layer_of(dependency.source), layer_of(dependency.target)
            if source is not None and target is not None and target > source:
                wrong.append(dependency)
    return wrong


def test_every_import_points_down_the_layers():
    wrong = violations()
    assert not wrong, "Imports against ARCHITECTURE.md's direction:\n" + "\n".join(
        sorted({str(d) for d in wrong})
    )


def test_the_check_sees_imports_inside_functions_and_model_references(tmp_path):
    """The rule would be empty if the parser missed the forms a cycle usually hides in."""
    source = ROOT / "communities" / "_architecture_probe.py"
    source.write_text(
        "def f():\n"
        "    from forums.models import Post\n"
        "    import resources.services\n"
        "    return apps.get_model('readiness', 'Checklist')\n"
        "EVIDENCE = 'resources.Resource'\n"
    )
    try:
        found = {d.target for d in dependencies(source)}
    finally:
        source.unlink()
    assert {"forums.models", "resources.services", "readiness.models"} <= found
    assert "resources.models" in found
    assert layer_of("forums.models") > layer_of("communities.views")
    assert layer_of("cdp_portal.core.tags") < layer_of("cdp_portal.accounts.models")
    assert layer_of("cdp_portal.views") == len(LAYERS) - 1


def test_the_base_package_imports_no_app():
    for path in sorted((ROOT / "cdp_portal" / "core").rglob("*.py")):
        for dependency in dependencies(path):
            assert layer_of(dependency.target) in (None, 0), dependency
