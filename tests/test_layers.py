"""The packages' layers (ARCHITECTURE.md), checked on the source: an import against them fails here.

Parsed with `ast`, not imported, so the check sees every import, also those inside functions.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("storefront", "promotions", "reviews")

# Domain layers, lowest first. A module may import modules of its own layer group and of lower
# layers, never of a higher one. The longest matching prefix decides a module's layer.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("kernel", ("storefront.config", "storefront.extensions", "storefront.database", "storefront.errors",
                "storefront.api_errors", "storefront.money", "storefront.i18n", "storefront.security",
                "storefront.tasks", "storefront.audit", "storefront.accounts", "storefront.page_cache",
                "storefront.storage", "storefront.text_input", "storefront.idempotency",
                "storefront.spreadsheets", "storefront.shop_settings", "storefront.delivery")),
    ("platforms", ("storefront.social.platforms", "storefront.social.adapters")),
    ("catalog", ("storefront.catalog",)),
    ("orders", ("storefront.orders",)),
    ("promotions", ("promotions",)),
    ("cart", ("storefront.cart",)),
    ("mail", ("storefront.mail",)),
    ("payments", ("storefront.payments",)),
    ("checkout", ("storefront.checkout",)),
    ("social", ("storefront.social",)),
    ("reviews", ("reviews",)),  # reviews, replies, questions, the support inbox
    ("legal", ("storefront.legal",)),  # the legal pages
    ("customers", ("storefront.customers",)),  # shoppers by e-mail: their figures, export, erasure
    ("backoffice", ("storefront.backoffice",)),  # import jobs, the back office's queries
    ("demo", ("storefront.demo",)),  # the demo shop, loaded through every area's services
]
# The web layer: pages, API resources, forms, CLI commands and the back office. They may import
# any domain module; domain modules never import them.
WEB_MODULE_NAMES = {"views", "api", "admin", "forms", "schemas", "cli", "webhooks", "feed", "demo",
                    "order_views", "order_forms", "seo", "write_views", "question_views", "question_forms",
                    "question_api", "request_views", "inbox_forms",
                    "sections",  # parts of a page, rendered for the page module that shows them
                    "audit_targets"}  # the audit log's names and links for what an area records
# The back office's package module creates its blueprint (with the shell).
WEB_MODULES = {"storefront.backoffice"}
# Web modules that register routes: a page of one package never reaches into another's routes
# (what they share lives in a domain module, in `templating` or in the back-office shell).
ROUTE_MODULE_NAMES = {"views", "api", "admin", "webhooks", "feed", "demo", "order_views", "write_views",
                      "question_views", "question_api", "request_views"}
WEB_PREFIXES = ("storefront.backoffice.shell", "storefront.templating", "storefront.health",
                "storefront.media", "promotions.preview")
# The app itself: the factory and the task worker, which build everything.
APP = {"storefront", "storefront.worker"}
# Pages that do reach into another package's page module, and why.
ALLOWED_PAGE_IMPORTS = {
    ("storefront.cart.views", "storefront.catalog.views"):
        "a refused add-to-cart re-renders the product page its form was posted from",
}
# Function-level imports of the project's own modules that stay, and why. Anything else inside a
# function is an import dodging a cycle: fix the layering instead.
ALLOWED_LOCAL_IMPORTS = {
    # The factory registers every area: importing them at the top of the package would run every
    # area's import whenever any `storefront.x` module is imported.
    "storefront": "the app factory registers each area",
    "storefront.worker": "the task worker builds the app",
}


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    local: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_imports() -> list[Import]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            source = module_name(path)
            package_parts = source.split(".") if path.name == "__init__.py" else source.split(".")[:-1]
            tree = ast.parse(path.read_text(), str(path))
            local_nodes = {id(node) for function in ast.walk(tree)
                           if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
                           for node in ast.walk(function) if isinstance(node, (ast.Import, ast.ImportFrom))}
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    targets = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    if node.level:
                        base = package_parts[:len(package_parts) - node.level + 1]
                        module = ".".join(base + ([node.module] if node.module else []))
                        targets = [f"{module}.{a.name}" for a in node.names] if not node.module else [module]
                    else:
                        targets = [node.module or ""]
                else:
                    continue
                for target in targets:
                    if target.split(".")[0] in PACKAGES:
                        found.append(Import(source, _existing_module(target), node.lineno, id(node) in local_nodes))
    return found


def _existing_module(name: str) -> str:
    """`from .x import y` names y, which may be a module or a name in x: keep the module."""
    parts = name.split(".")
    while parts:
        candidate = ROOT.joinpath(*parts)
        if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
            return ".".join(parts)
        parts.pop()
    return name


def is_web(module: str) -> bool:
    return module in WEB_MODULES or module.split(".")[-1] in WEB_MODULE_NAMES or module.startswith(WEB_PREFIXES)


def layer_of(module: str) -> int:
    best, best_length = -1, -1
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    return best


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "storefront" and len(parts) > 1 else parts[0]


def violations() -> list[str]:
    problems = []
    for imp in project_imports():
        source, target = imp.source, imp.target
        where = f"{source}:{imp.line} imports {target}"
        if source in APP:
            continue
        if target in APP:
            problems.append(f"{where}: only the worker and wsgi may import the app factory")
        elif is_web(source):
            if target.split(".")[-1] in ROUTE_MODULE_NAMES and package_of(target) != package_of(source) \
                    and (source, target) not in ALLOWED_PAGE_IMPORTS:
                problems.append(f"{where}: a page reaches into another package's routes")
        elif is_web(target):
            problems.append(f"{where}: a domain module imports a web module")
        elif layer_of(target) > layer_of(source):
            problems.append(f"{where}: {LAYERS[layer_of(source)][0]} may not import the higher layer "
                            f"{LAYERS[layer_of(target)][0]}")
        if imp.local and source not in ALLOWED_LOCAL_IMPORTS:
            problems.append(f"{where} inside a function: import it at the top, fixing the layering if needed")
    return problems


def test_every_domain_module_has_a_layer():
    unplaced = sorted({i.source for i in project_imports()
                       if i.source not in APP and not is_web(i.source) and layer_of(i.source) < 0})
    assert unplaced == []


def test_no_import_goes_against_the_layers():
    assert violations() == []


def test_the_check_catches_an_upward_import():
    assert layer_of("storefront.orders.service") < layer_of("promotions.redemptions")
    assert is_web("storefront.cart.views") and not is_web("storefront.cart.service")
    assert layer_of("storefront.social.platforms") < layer_of("promotions.service") < layer_of("storefront.social.service")
