"""The catalog in a real browser: Debian's chromium (`make browser`), driven headless by
Playwright, loads the generated site from a local HTTP server on 127.0.0.1.

These tests never skip: without /usr/bin/chromium they fail and say to run
`make browser` (`make test` does). The screenshots in docs/catalog.md come from
`test_screenshots`; PLATFORM_UPDATE_SCREENSHOTS=1 writes them into docs/.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Request, Route, sync_playwright

from platform_cli.catalog.site import CatalogOptions, build_catalog
from platform_cli.load.landscape import load
from platform_cli.plan.money import costs
from platform_cli.plan.shards import Shard
from platform_cli.render.usage import format_money
from platform_cli.sources.git import GitRepository
from platform_cli.sources.tree import read_tree
from tests.catalog_repo import HOST, TODAY, make_repo
from tests.conftest import REPO

CHROMIUM = Path(os.environ.get("PLATFORM_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("catalog-browser")
    root = make_repo(base / "repo")
    build_catalog(CatalogOptions(root=root, out=base / "site", today=TODAY))
    handler = functools.partial(_Quiet, directory=str(base / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: run `make browser` (make test does)"
    profile = tempfile.mkdtemp(prefix="catalog-chromium-")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=ARGS,
            headless=True,
            viewport={"width": 1400, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser: BrowserContext, served: str) -> Iterator[Page]:
    """A page that may reach the local server only: any other request is aborted and
    recorded, and any script error or dialog fails the test."""
    page = browser.new_page()
    outside: list[str] = []
    errors: list[str] = []

    def gate(route: Route, request: Request) -> None:
        if request.url.startswith(served):
            route.continue_()
        else:
            outside.append(request.url)
            route.abort()

    page.route("**/*", gate)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    yield page
    page.close()
    assert outside == [], "the site asked for something outside itself"
    assert errors == []


def test_search_finds_a_resource_by_host(page: Page, served: str) -> None:
    page.goto(served + "index.html")
    page.get_by_label("Search").fill(HOST)
    result = page.locator("#search-results a").first
    result.wait_for()
    assert result.inner_text() == "Service billing-api"
    result.click()
    page.wait_for_url(re.compile(r"resources/prod/service/billing-api\.html$"))
    assert page.locator("h1").inner_text() == "Service billing-api (prod)"


def test_search_finds_a_system_by_owner(page: Page, served: str) -> None:
    page.goto(served + "cost.html")
    page.get_by_label("Search").fill("@o-volkova payments")
    # The index loads on first use: wait for the results, never read them before
    page.locator("#search-results a").first.wait_for()
    names = page.locator("#search-results a").all_inner_texts()
    assert "System payments" in names


def test_a_link_from_the_map_reaches_the_system_and_its_team(page: Page, served: str) -> None:
    page.goto(served + "index.html")
    page.locator('svg a[href="systems/billing.html"]').click()
    page.wait_for_url(re.compile(r"systems/billing\.html$"))
    assert page.locator("h1").inner_text() == "System billing"
    page.get_by_role("link", name="billing", exact=True).first.click()
    page.wait_for_url(re.compile(r"teams/billing\.html$"))
    assert page.locator("h1").inner_text() == "Team billing"
    # the team's box on the map leads to the team page too
    page.goto(served + "index.html")
    page.locator('svg a[href="teams/master-data.html"]').click()
    page.wait_for_url(re.compile(r"teams/master-data\.html$"))


def test_a_script_in_a_description_is_inert(page: Page, served: str) -> None:
    for path in ("systems/billing.html", "resources/prod/database/billing-db.html"):
        page.goto(served + path)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator("main img").count() == 0
        assert "<script>window.__pwned = 1</script>" in page.locator("main").inner_text()
    # in the search results too
    page.get_by_label("Search").fill("pwned")
    page.locator("#search-results a").first.wait_for()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#search-results img").count() == 0


def test_a_cost_figure_is_the_plans(page: Page, served: str, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    repo = GitRepository(root)
    tree, _ = repo.tree_at(repo.resolve("HEAD~1"))
    repo.close()
    old = load([f for f in tree.files() if not f.path.startswith(".github")]).landscape
    files, _ = read_tree(root)
    new = load([f for f in files if not f.path.startswith(".github")]).landscape
    (line,), _ = costs(old, new, {Shard("prod", "billing")})
    page.goto(served + "teams/billing.html")
    row = page.locator("table").filter(has_text="change this month").locator("tr", has_text="prod")
    cells = row.locator("td").all_inner_texts()
    assert cells == ["prod", format_money(line.after), format_money(line.delta, signed=True)]


def test_an_expiring_waiver_is_listed_first(page: Page, served: str) -> None:
    page.goto(served + "governance.html")
    first = page.locator("table").first.locator("tbody tr").first
    assert "ARCH-999" in first.inner_text()
    assert first.locator(".soon").inner_text() == "2026-11-30 (in 10 days)"


def test_keyboard_reaches_the_search_and_the_map(page: Page, served: str) -> None:
    page.goto(served + "index.html")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.locator("#search").focus()
    page.keyboard.type("identity")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"systems/identity\.html$"))


def test_screenshots(page: Page, served: str, tmp_path: Path) -> None:
    """The screenshots of docs/catalog.md; PLATFORM_UPDATE_SCREENSHOTS=1 rewrites them."""
    target = REPO / "docs" if os.environ.get("PLATFORM_UPDATE_SCREENSHOTS") else tmp_path
    shots = {"catalog-map.png": "index.html", "catalog-team.png": "teams/billing.html"}
    for name, path in shots.items():
        page.goto(served + path)
        page.screenshot(path=str(target / name), full_page=True)
        assert (target / name).stat().st_size > 10_000
