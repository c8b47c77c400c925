"""`platform catalog`: the static site of a landscape (docs/catalog.md). The browser
tests are in test_catalog_browser.py; these read the generated files."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from platform_cli.catalog import landscape_map, pages
from platform_cli.catalog import site as site_module
from platform_cli.catalog.facts import parse_status
from platform_cli.catalog.site import CatalogOptions, CatalogResult, build_catalog
from platform_cli.catalog.writer import FileWriter
from platform_cli.errors import PlatformError, UsageError
from platform_cli.load.landscape import load
from platform_cli.plan.money import costs
from platform_cli.plan.shards import Shard
from platform_cli.render.usage import format_money
from platform_cli.sources.git import GitRepository
from platform_cli.sources.tree import read_tree
from tests.catalog_repo import HOST, TODAY, _commit, make_repo
from tests.conftest import DATA, REPO

STATUS = {
    "commit": "4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b",
    "stacks": [
        {"stack": "prod.billing", "state": "behind", "commit": "9e8d7c6b5a4f0000",
         "appliedAt": "2026-11-19T14:02:00Z", "drift": "2 resources", "run": None},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("catalog")
    root = make_repo(base / "repo")
    out = base / "site"
    status = parse_status(json.dumps(STATUS), "status.json")
    build_catalog(CatalogOptions(root=root, out=out, today=TODAY, status=status))
    return out


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_every_kind_of_page_is_written(site: Path) -> None:
    for page in ("index.html", "cost.html", "governance.html", "teams/billing.html",
                 "systems/billing.html", "resources/prod/service/billing-api.html",
                 "assets/index-0.js", "assets/search.js", "assets/catalog.css"):  # fmt: skip
        assert (site / page).is_file(), page
    assert len(list((site / "resources").rglob("*.html"))) == sum(
        1 for _ in (REPO / "stacks").rglob("*.yaml") if _.name != "stack.yaml"
    )


def test_no_page_is_over_a_megabyte(site: Path) -> None:
    assert max(p.stat().st_size for p in site.rglob("*") if p.is_file()) < 1024 * 1024


def test_a_script_in_a_description_is_escaped_everywhere(site: Path) -> None:
    for page in ("systems/billing.html", "resources/prod/database/billing-db.html"):
        text = _text(site / page)
        assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in text
        assert "<script>window" not in text and "<img" not in text
        # the only scripts are the site's own files, and the policy forbids any other
        depth = "../../../" if page.startswith("resources") else "../"
        assert re.findall(r"<script[^>]*>", text) == [
            f'<script src="{depth}assets/search.js" defer>'
        ]
        assert "script-src &#x27;self&#x27;" in text
    index = _text(site / "assets/index-0.js")
    assert "<" not in index
    assert "\\u003cscript>window.__pwned = 1\\u003c/script>" in index


def test_search_index_holds_names_descriptions_owners_and_hosts(site: Path) -> None:
    text = _text(site / "assets/index-0.js")
    assert not (site / "assets/index-1.js").exists()
    assert "var PARTS = 1;" in _text(site / "assets/search.js")
    index = json.loads(text.split("window.CATALOG_INDEX, ", 1)[1].rstrip(");\n"))
    by_name = {(e[1], e[2]): e for e in index}
    api = by_name[("Service", "billing-api")]
    assert HOST in api[4]
    assert api[0] in (
        "resources/dev/service/billing-api.html",
        "resources/prod/service/billing-api.html",
    )
    assert "@o-volkova" in by_name[("Team", "billing")][5]
    assert "@dom-komfort/billing" in by_name[("System", "billing")][5]


def test_the_months_cost_change_is_the_plans(site: Path, tmp_path: Path) -> None:
    """The team page's prod cost and its change against the start of the month equal
    what `platform plan` computes between the October and the November commits."""
    root = site.parent / "repo"
    repo = GitRepository(root)
    october = repo.resolve("HEAD~1")
    tree, _ = repo.tree_at(october)
    old = load([f for f in tree.files() if not f.path.startswith(".github")]).landscape
    files, _ = read_tree(root)
    new = load([f for f in files if not f.path.startswith(".github")]).landscape
    repo.close()
    (line,), _ = costs(old, new, {Shard("prod", "billing")})
    assert line.delta > 0
    page = _text(site / "teams/billing.html")
    row = re.search(r"<tr><td>prod</td><td>([^<]+)</td><td><span class=\"up\">([^<]+)</span>", page)
    assert row is not None
    assert row.group(1) == format_money(line.after)
    assert row.group(2) == format_money(line.delta, signed=True)
    assert f"against commit {october.sha[:12]}" in page


def test_resource_page_shows_spec_objects_file_last_change_and_status(site: Path) -> None:
    page = _text(site / "resources/prod/service/billing-api.html")
    assert "<dt>host</dt><dd>billing-api.apps.dom-komfort.example/ (internal)</dd>" in page
    assert "<dt>replicas</dt><dd>3-8 (autoscaled)</dd>" in page
    assert '"kind": "Deployment"' in page
    assert '"kind": "NetworkPolicy"' in page
    assert "stacks/prod/billing/billing-api.yaml" in page
    assert "by Olga Volkova, 2026-11-10T09:00:00+00:00: billing-api: three replicas" in page
    assert "<dt>state</dt><dd>behind</dd>" in page and "2 resources" in page
    other = _text(site / "resources/prod/service/tickets-api.html")
    assert "has no entry for prod.service-desk" in other


def test_without_status_data_the_page_says_so(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    build_catalog(CatalogOptions(root=root, out=tmp_path / "site", today=TODAY))
    page = _text(tmp_path / "site/resources/prod/service/billing-api.html")
    assert "Apply status: not available" in page


def test_governance_lists_the_expiring_waiver_first(site: Path) -> None:
    page = _text(site / "governance.html")
    first = page.index("ARCH-999")
    assert first < page.index("ARCH-142")
    assert '<span class="soon">2026-11-30 (in 10 days)</span>' in page
    assert "LND001" in page and "Findings at this commit" in page


def test_map_links_every_system_and_marks_data(site: Path) -> None:
    index = _text(site / "index.html")
    for name in ("billing", "residents-registry", "identity"):
        assert f'href="systems/{name}.html"' in index
    assert 'class="node critical master"' in index
    assert ">PD</text>" in index
    assert 'class="edge depends"' in index or 'class="edge"' in index


def test_the_map_collapses_to_teams_above_the_threshold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files, _ = read_tree(REPO)
    landscape = load([f for f in files if not f.path.startswith(".github")]).landscape
    monkeypatch.setattr(landscape_map, "COLLAPSE_ABOVE", 3)
    svg = landscape_map.draw(landscape, {})
    assert 'href="teams/billing.html"' in svg and 'href="systems/' not in svg
    assert "teams (collapsed)" in svg


def test_a_rebuild_writes_only_what_changed_and_prunes_what_is_gone(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    first = build_catalog(CatalogOptions(root=root, out=out, today=TODAY))
    again = build_catalog(CatalogOptions(root=root, out=out, today=TODAY))
    assert again.written == 0 and again.unchanged == first.written
    (root / "stacks/dev/billing/receipts-renderer.yaml").unlink()
    third = build_catalog(CatalogOptions(root=root, out=out, today=TODAY))
    assert not (out / "resources/dev/service/receipts-renderer.html").exists()
    assert third.removed == 1 and 0 < third.written < 20


def test_refuses_a_folder_that_holds_something_else(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="holds no catalog"):
        build_catalog(CatalogOptions(root=REPO, out=tmp_path / "site", today=TODAY))
    assert (tmp_path / "site" / "notes.txt").read_text() == "mine"


def test_bad_status_data_is_a_clear_error() -> None:
    with pytest.raises(UsageError, match="not the output of `platform status"):
        parse_status('{"stacks": 3}', "status.json")
    with pytest.raises(UsageError):
        parse_status("not json", "status.json")


def test_the_command(run: Callable[..., object], tmp_path: Path, repo_copy: Path) -> None:
    from click.testing import CliRunner

    from platform_cli.cli.commands import cli

    status = tmp_path / "status.json"
    status.write_text(json.dumps(STATUS))
    result = CliRunner().invoke(
        cli,
        ["catalog", "--root", str(repo_copy), "--out", str(tmp_path / "site"),
         "--status", str(status), "--repo-url", "https://github.com/dom-komfort/landscape"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "open " in result.stdout and "index.html" in result.stdout
    assert "no git history" in result.stderr


def test_golden_system_page(site: Path, golden: Callable[[Path, str], None]) -> None:
    golden(DATA / "catalog" / "system-payments.html", _text(site / "systems/payments.html"))


def test_no_decimal_drift_in_totals(site: Path) -> None:
    page = _text(site / "cost.html")
    amounts = [Decimal(a.replace(",", "")) for a in re.findall(r"([\d,]+\.\d\d) RUB", page)]
    assert amounts and all(a == a.quantize(Decimal("0.01")) for a in amounts)


def test_the_months_change_follows_a_new_price_sheet(tmp_path: Path) -> None:
    """When the price sheet changed this month, every cost is priced again from the
    start of the month's files, not only the files that changed."""
    root = make_repo(tmp_path / "repo")
    prices = root / "policies/prices.yaml"
    text = prices.read_text()
    assert "\n  cpu: " in text
    prices.write_text(re.sub(r"\n  cpu: [0-9.]+", "\n  cpu: 5000", text))
    out = tmp_path / "site"
    build_catalog(CatalogOptions(root=root, out=out, today=TODAY))
    repo = GitRepository(root)
    tree, _ = repo.tree_at(repo.resolve("HEAD~1"))
    repo.close()
    old = load([f for f in tree.files() if not f.path.startswith(".github")]).landscape
    files, _ = read_tree(root)
    new = load([f for f in files if not f.path.startswith(".github")]).landscape
    (line,), _ = costs(old, new, {Shard("dev", "analytics")})
    page = _text(out / "teams/analytics.html")
    row = re.search(r"<tr><td>dev</td><td>([^<]+)</td><td><span class=\"\w+\">([^<]+)</span>", page)
    assert row is not None
    assert (row.group(1), row.group(2)) == (
        format_money(line.after),
        format_money(line.delta, signed=True),
    )


def test_a_history_that_starts_this_month_shows_no_change(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    subprocess.run(["rm", "-rf", str(root / ".git")], check=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "all at once"], cwd=root, check=True)
    build_catalog(CatalogOptions(root=root, out=tmp_path / "site", today=TODAY))
    page = _text(tmp_path / "site/cost.html")
    assert "the history has no commit before 2026-01-01" in page


def _commit_change(root: Path, path: str, old: str, new: str, message: str) -> None:
    file = root / path
    text = file.read_text()
    assert old in text, (path, old)
    file.write_text(text.replace(old, new, 1))
    _commit(root, "2026-11-18T12:00:00+00:00", message)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _rebuild_equals_fresh(root: Path, out: Path, fresh: Path, **options: object) -> CatalogResult:
    """Rebuild into `out`, build afresh into `fresh`; the two folders hold the same bytes."""
    again = build_catalog(CatalogOptions(root=root, out=out, today=TODAY, **options))  # type: ignore[arg-type]
    build_catalog(CatalogOptions(root=root, out=fresh, today=TODAY, **options))  # type: ignore[arg-type]
    assert _files(out) == _files(fresh)
    return again


def test_an_incremental_rebuild_equals_a_fresh_build(tmp_path: Path) -> None:
    """One resource file changes in a commit: the rebuild makes that resource's page and
    the pages that show it (its team, its system, the summaries), leaves the rest, and
    the folder then holds exactly what a fresh build of the new commit holds."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    url = "https://github.com/dom-komfort/landscape"
    status = parse_status(json.dumps(STATUS), "status.json")
    first = build_catalog(
        CatalogOptions(root=root, out=out, today=TODAY, status=status, repo_url=url)
    )
    noop = build_catalog(
        CatalogOptions(root=root, out=out, today=TODAY, status=status, repo_url=url)
    )
    assert noop.written == 0 and noop.unchanged == first.written
    _commit_change(
        root, "stacks/prod/billing/billing-api.yaml", "minReplicas: 3", "minReplicas: 4",
        "billing-api: four replicas at rest",
    )  # fmt: skip
    again = _rebuild_equals_fresh(root, out, tmp_path / "fresh", status=status, repo_url=url)
    made = set(again.changed)
    assert "resources/prod/service/billing-api.html" in made
    assert {"teams/billing.html", "systems/billing.html"} <= made
    assert "resources/dev/service/billing-api.html" not in made
    assert "teams/analytics.html" not in made
    assert again.written < 15 and again.unchanged > first.written - 15
    page = _text(out / "resources/prod/service/billing-api.html")
    assert "4-8 (autoscaled)" in page and "billing-api: four replicas at rest" in page


def test_a_rebuild_after_a_removal_and_an_addition_equals_a_fresh_build(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    build_catalog(CatalogOptions(root=root, out=out, today=TODAY))
    gone = root / "stacks/dev/billing/receipts-renderer.yaml"
    (root / "stacks/dev/billing/receipts-renderer-2.yaml").write_text(
        gone.read_text().replace("name: receipts-renderer\n", "name: receipts-renderer-2\n")
    )
    gone.unlink()
    _commit(root, "2026-11-18T12:00:00+00:00", "receipts-renderer renamed")
    again = _rebuild_equals_fresh(root, out, tmp_path / "fresh")
    assert again.removed == 1
    assert "resources/dev/service/receipts-renderer-2.html" in again.changed


def test_a_new_price_sheet_rebuilds_every_team_page(tmp_path: Path) -> None:
    """A team page shows costs: a change in the price sheet, which is no team's file,
    changes the facts of every team page, and every one is made again."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    first = build_catalog(CatalogOptions(root=root, out=out, today=TODAY))
    before = _text(out / "teams/billing.html")
    _commit_change(root, "policies/prices.yaml", "  cpu: 1150 ", "  cpu: 2300 ", "cpu dearer")
    again = _rebuild_equals_fresh(root, out, tmp_path / "fresh")
    teams = [p for p in first.changed if p.startswith("teams/")]
    assert set(teams) <= set(again.changed)
    assert _text(out / "teams/billing.html") != before


def test_a_waivers_new_expiry_rebuilds_the_governance_page(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    build_catalog(CatalogOptions(root=root, out=out, today=TODAY))
    _commit_change(
        root, "policies/waivers.yaml", 'expires: "2026-11-30"', 'expires: "2026-11-25"',
        "ARCH-999 ends sooner",
    )  # fmt: skip
    again = _rebuild_equals_fresh(root, out, tmp_path / "fresh")
    assert "governance.html" in again.changed
    assert not any(p.startswith(("teams/", "systems/", "resources/")) for p in again.changed)
    assert '<span class="soon">2026-11-25 (in 5 days)</span>' in _text(out / "governance.html")


def test_a_new_day_rebuilds_what_counts_days(tmp_path: Path) -> None:
    """The waivers' days to expiry are counted from the day of the build."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    build_catalog(CatalogOptions(root=root, out=out, today=TODAY))
    later = TODAY + datetime.timedelta(days=1)
    again = build_catalog(CatalogOptions(root=root, out=out, today=later))
    assert again.changed == ["governance.html"]
    assert "2026-11-30 (in 9 days)" in _text(out / "governance.html")


def test_changed_code_or_a_lost_manifest_makes_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    first = build_catalog(CatalogOptions(root=root, out=out, today=TODAY))
    pages_made = [p for p in first.changed if p.startswith(("teams/", "systems/", "resources/"))]
    pages_made = [p for p in pages_made if not p.endswith("/index.html")]
    real = site_module.code_digest

    def other_code(*packages: ModuleType) -> hashlib._Hash:
        digest = real(*packages)
        digest.update(b"a changed module")
        return digest

    monkeypatch.setattr(site_module, "code_digest", other_code)
    made: list[str] = []
    real_page = site_module._Pages.page

    def counting(self: object, rel: str, view: object, make: Callable[[object], bytes]) -> None:
        real_page(self, rel, view, lambda v: (made.append(rel), make(v))[1])  # type: ignore[arg-type]

    monkeypatch.setattr(site_module._Pages, "page", counting)
    build_catalog(CatalogOptions(root=root, out=out, today=TODAY))
    assert sorted(made) == sorted(pages_made)
    made.clear()
    monkeypatch.undo()
    monkeypatch.setattr(site_module._Pages, "page", counting)
    (out / site_module.MANIFEST).unlink()
    build_catalog(CatalogOptions(root=root, out=out, today=TODAY))
    assert sorted(made) == sorted(pages_made)
    made.clear()
    build_catalog(CatalogOptions(root=root, out=out, today=TODAY))
    assert made == []


def test_markup_in_a_rendered_object_is_text() -> None:
    """The rendered objects' JSON keeps its quotes (element text), but no value in it
    can open or close an element."""
    attack = '</code></pre><script>alert("x")</script>&amp;'
    view = pages.ResourceView(
        "Service", "api", "prod", "billing", "billing", "", "-", ("stacks/x.yaml", ""),
        "not in git", (), "", (("Deployment prod/api", json.dumps({"note": attack})),),
    )  # fmt: skip
    page = pages.resource_page(view).decode()
    assert "<script>" not in page and "</code></pre><script" not in page
    assert (
        '{"note": "&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(\\"x\\")'
        '&lt;/script&gt;&amp;amp;"}' in page
    )


def test_the_file_writer_creates_folders_and_reports_a_failure(tmp_path: Path) -> None:
    writer = FileWriter(tmp_path / "site")
    writer.write("a/b/page.html", b"first")
    writer.write("a/b/page.html", b"second")
    writer.write("top.html", "ünïcode".encode())
    assert (tmp_path / "site/a/b/page.html").read_bytes() == b"second"
    assert (tmp_path / "site/top.html").read_text() == "ünïcode"
    (tmp_path / "blocked").write_text("a file where a folder should be")
    writer = FileWriter(tmp_path / "blocked")
    with pytest.raises(PlatformError, match=r"could not write .*blocked/sub/0\.html") as caught:
        writer.write("sub/0.html", b"x")
    assert "next build makes every page" in caught.value.hint
