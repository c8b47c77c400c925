"""Every risk code, each reached by the change that should raise it (no git)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pytest

from platform_cli.load.landscape import load
from platform_cli.load.model import Landscape
from platform_cli.plan import money
from platform_cli.plan.access import Opening
from platform_cli.plan.landscape_diff import diff_landscapes
from platform_cli.plan.objects import KubernetesStack, ObjectAction, ObjectChange
from platform_cli.plan.renames import renames
from platform_cli.plan.risks import ARCHITECTS, WAIVERS_PATH, Risk, RiskCode, risks
from platform_cli.sources.tree import SourceFile, read_tree
from tests.conftest import REPO

NOTIFICATIONS_DB = "stacks/prod/communications/notifications-db.yaml"  # deletionProtection on
PBX = "stacks/prod/call-center/pbx-1.yaml"  # a Server that depends on Service ivr-api
IVR = "stacks/prod/call-center/ivr-api.yaml"


@functools.cache
def _files() -> dict[str, bytes]:
    files, _ = read_tree(REPO)
    return {f.path: f.data for f in files}


@functools.cache
def bundled_landscape() -> Landscape:
    return load([SourceFile(p, d) for p, d in _files().items()]).landscape


@dataclass(frozen=True)
class Case:
    """A change: text replaced in files (`None` deletes the file), changed paths, and
    the objects the Kubernetes diff found."""

    edits: dict[str, tuple[tuple[str, str], ...] | None] = field(default_factory=dict)
    paths: tuple[str, ...] = ()
    kubernetes: tuple[KubernetesStack, ...] = ()

    def risks(self) -> list[Risk]:
        files = dict(_files())
        for path, replacements in self.edits.items():
            if replacements is None:
                del files[path]
                continue
            text = files[path].decode()
            for old, new in replacements:
                assert old in text, (path, old)
                text = text.replace(old, new)
            files[path] = text.encode()
        head = load([SourceFile(p, d) for p, d in files.items()])
        # The edits stay valid: a file that failed its schema would not load at all
        assert [f for f in head.findings if f.path in self.edits] == []
        old, new = bundled_landscape(), head.landscape
        changes = diff_landscapes(old, new)
        return risks(
            old,
            new,
            changes,
            self.paths,
            self.kubernetes,
            renames(old, new, changes),
            money.price_data(old) != money.price_data(new),
        )


REPLACED = ObjectChange(
    ObjectAction.REPLACE,
    "postgresql.cnpg.io/v1",
    "Cluster",
    "prod-communications",
    "notifications-db",
    NOTIFICATIONS_DB,
    immutable=("spec.storage.storageClass",),
)

OPENED = Opening(
    "prod",
    "prod-legacy-ops",
    "legacy-ops",
    "erp-db-1",
    "service tickets-api in namespace prod-service-desk",
    "prod-service-desk",
    ("TCP 5432",),
    "stacks/prod/legacy-ops/erp-db-1.yaml",
)
WEBHOOK = "stacks/prod/billing/payments-webhook.yaml"
JUMP = "stacks/prod/analytics/analytics-jump-1.yaml"  # a Server nothing depends on
BI_DB = "stacks/prod/analytics/analytics-bi-db.yaml"  # analytics-bi's database
BI = "stacks/prod/analytics/analytics-bi.yaml"
RECEIPTS = "stacks/prod/billing/receipts-renderer.yaml"

CASES: dict[RiskCode, Case] = {
    RiskCode.ACCESS_OPENED: Case(kubernetes=(KubernetesStack("prod", openings=(OPENED,)),)),
    RiskCode.DELETE_DATABASE: Case({NOTIFICATIONS_DB: None}),
    RiskCode.DELETE_SERVER: Case({PBX: None}),
    RiskCode.DELETE_DEPENDED_ON: Case({IVR: None}),
    RiskCode.DELETION_PROTECTION_REMOVED: Case(
        {NOTIFICATIONS_DB: (("deletionProtection: true", "deletionProtection: false"),)}
    ),
    RiskCode.SHRINK_STORAGE: Case({PBX: (('size: "100Gi"', 'size: "50Gi"'),)}),
    RiskCode.MAJOR_VERSION: Case({NOTIFICATIONS_DB: (("version: 16", "version: 15"),)}),
    RiskCode.REPLACEMENT: Case(kubernetes=(KubernetesStack("prod", (REPLACED,)),)),
    RiskCode.QUOTA_RAISED: Case({"landscape/teams/billing.yaml": (('cpu: "', 'cpu: "1'),)}),
    RiskCode.PUBLIC_HOST: Case(
        {WEBHOOK: (("host: pay-callback.dom-komfort.example", "host: pay.dom-komfort.example"),)}
    ),
    RiskCode.EXPOSURE_CHANGED: Case(
        {
            BI: (
                (
                    "    host: bi.apps.dom-komfort.example\n",
                    "    host: x.apps.dom-komfort.example\n    public: true\n",
                ),
            )
        }
    ),
    RiskCode.TEAM_ACCESS_CHANGED: Case(
        {"landscape/teams/iot.yaml": (("  name: iot\n", "  name: iot\n  labels: {tier: gold}\n"),)}
    ),
    RiskCode.SYSTEM_CLASSIFICATION_CHANGED: Case(
        {
            "landscape/systems/dispatch.yaml": (
                ("dataClasses: [operational]", "dataClasses: [public]"),
            )
        }
    ),
    RiskCode.SYSTEM_MOVE_WEAKER: Case(
        {RECEIPTS: (("  system: billing\n", "  system: payments\n"),)}
    ),
    RiskCode.WAIVERS_CHANGED: Case(paths=(WAIVERS_PATH,)),
    RiskCode.POLICIES_CHANGED: Case(paths=("policies/config.yaml",)),
    RiskCode.SCHEMAS_CHANGED: Case(paths=("schemas/server.schema.json",)),
    RiskCode.RENAME: Case({JUMP: (("name: analytics-jump-1", "name: analytics-jump-2"),)}),
    RiskCode.RENAME_DATABASE: Case(
        {
            BI_DB: (("name: analytics-bi-db", "name: analytics-bi-pg"),),
            BI: (("- database: analytics-bi-db", "- database: analytics-bi-pg"),),
        }
    ),
    RiskCode.KUBERNETES_UNAVAILABLE: Case(
        kubernetes=(KubernetesStack("prod", unavailable="the base has 1 error"),)
    ),
    RiskCode.PRICES_CHANGED: Case(
        {"policies/prices.yaml": (("cpu: ", "cpu: 1"),)}, paths=("policies/prices.yaml",)
    ),
}


def test_every_risk_code_has_a_case() -> None:
    assert set(CASES) == set(RiskCode)


@pytest.mark.parametrize("code", list(RiskCode), ids=str)
def test_each_risk_code_is_raised_by_its_change(code: RiskCode) -> None:
    found = CASES[code].risks()
    assert code in {r.code for r in found}, found


def test_an_unchanged_landscape_has_no_risk() -> None:
    assert Case().risks() == []


def test_risks_are_listed_in_the_order_of_the_codes() -> None:
    everything = Case(
        {
            NOTIFICATIONS_DB: None,
            IVR: None,
            "landscape/teams/billing.yaml": (('cpu: "', 'cpu: "1'),),
        },
        paths=("schemas/server.schema.json", WAIVERS_PATH),
        kubernetes=(KubernetesStack("prod", (REPLACED,)),),
    ).risks()
    codes = [r.code for r in everything]
    assert codes == sorted(codes, key=list(RiskCode).index)
    assert set(codes) >= {
        RiskCode.DELETE_DATABASE,
        RiskCode.DELETE_DEPENDED_ON,
        RiskCode.REPLACEMENT,
        RiskCode.QUOTA_RAISED,
        RiskCode.WAIVERS_CHANGED,
        RiskCode.SCHEMAS_CHANGED,
    }


def test_the_codes_and_actions_print_as_they_always_have() -> None:
    """The plan's JSON and reports print these values; tools read them."""
    assert [c.value for c in RiskCode] == [
        "access-opened",
        "delete-database",
        "rename-database",
        "delete-server",
        "delete-depended-on",
        "rename",
        "deletion-protection-removed",
        "shrink-storage",
        "major-version",
        "replacement",
        "kubernetes-unavailable",
        "quota-raised",
        "public-host",
        "exposure-changed",
        "team-access-changed",
        "system-classification-changed",
        "system-move-weaker",
        "waivers-changed",
        "policies-changed",
        "schemas-changed",
        "prices-changed",
    ]
    assert [str(a) for a in ObjectAction] == ["create", "update", "replace", "delete"]
    assert f"{RiskCode.SHRINK_STORAGE}" == "shrink-storage"


ARCHITECT_RISKS = (
    RiskCode.RENAME_DATABASE,
    RiskCode.PUBLIC_HOST,
    RiskCode.EXPOSURE_CHANGED,
    RiskCode.TEAM_ACCESS_CHANGED,
    RiskCode.SYSTEM_CLASSIFICATION_CHANGED,
    RiskCode.SYSTEM_MOVE_WEAKER,
    RiskCode.QUOTA_RAISED,
)


@pytest.mark.parametrize("code", ARCHITECT_RISKS, ids=str)
def test_these_risks_are_for_the_architects(code: RiskCode) -> None:
    (risk,) = [r for r in CASES[code].risks() if r.code is code]
    assert risk.approver == ARCHITECTS


def test_an_opening_into_another_namespace_is_for_its_team() -> None:
    (risk,) = CASES[RiskCode.ACCESS_OPENED].risks()
    assert risk.approver == "legacy-ops"
    assert "team legacy-ops owns the namespace" in risk.message


def test_an_opening_within_a_namespace_is_no_risk() -> None:
    inside = Opening(
        "prod",
        "prod-billing",
        "billing",
        "billing-api",
        "service x in namespace prod-billing",
        "prod-billing",
        ("TCP 8080",),
        "",
    )
    assert Case(kubernetes=(KubernetesStack("prod", openings=(inside,)),)).risks() == []


def test_a_move_between_systems_of_one_classification_is_no_risk() -> None:
    """dispatch and technician-app both hold operational data, but technician-app
    also personal: only the direction that loses a class is a risk."""
    moved = Case(
        {
            "stacks/prod/field-service/dispatch-api.yaml": (
                ("  system: dispatch\n", "  system: technician-app\n"),
            )
        }
    ).risks()
    assert RiskCode.SYSTEM_MOVE_WEAKER not in {r.code for r in moved}


def test_a_renamed_database_says_what_moves_and_who_still_names_it() -> None:
    (risk,) = [
        r for r in CASES[RiskCode.RENAME_DATABASE].risks() if r.code is RiskCode.RENAME_DATABASE
    ]
    assert risk.subject == "prod Database analytics-bi-db -> analytics-bi-pg"
    assert risk.message.startswith("renamed: a new, empty database unless a restore")
    # analytics-bi's secretEnv still names the old cluster's secret
    assert risk.message.endswith(
        "still naming the old one: prod Service analytics-bi (secretEnv.DB_HOST.secret, "
        "secretEnv.DB_NAME.secret, secretEnv.DB_USER.secret, secretEnv.DB_PASSWORD.secret)"
    )


def test_a_renamed_server_is_no_risk_for_the_architects() -> None:
    found = CASES[RiskCode.RENAME].risks()
    (risk,) = [r for r in found if r.code is RiskCode.RENAME]
    assert risk.approver == ""
    assert risk.subject == "prod Server analytics-jump-1 -> analytics-jump-2"
    assert risk.message.startswith("renamed: Pulumi deletes and creates its objects")
    # The old one is still deleted with its disk: that risk stays
    assert RiskCode.DELETE_SERVER in {r.code for r in found}


def test_a_delete_and_an_unlike_create_are_no_rename() -> None:
    """A new server of another size and image is not the old one renamed."""
    edits = (
        ("name: analytics-jump-1", "name: analytics-jump-2"),
        ("cpu: 8", "cpu: 2"),
        ('size: "200Gi"', 'size: "50Gi"'),
        ("image: ubuntu-22.04", "image: debian-12"),
        ('memory: "32Gi"', 'memory: "4Gi"'),
    )
    codes = {r.code for r in Case({JUMP: edits}).risks()}
    assert RiskCode.RENAME not in codes and RiskCode.DELETE_SERVER in codes


def test_what_moves_with_a_renamed_database() -> None:
    old = bundled_landscape()
    case = CASES[RiskCode.RENAME_DATABASE]
    files = dict(_files())
    for path, edits in case.edits.items():
        text = files[path].decode()
        for a, b in edits or ():
            text = text.replace(a, b)
        files[path] = text.encode()
    new = load([SourceFile(p, d) for p, d in files.items()]).landscape
    (rename,) = renames(old, new, diff_landscapes(old, new))
    assert rename.moves[0] == (
        "connection secret analytics-bi-db-app -> analytics-bi-pg-app, services "
        "analytics-bi-db-rw/-ro -> analytics-bi-pg-rw/-ro"
    )
    assert "a new, empty database" in rename.moves[1]
    assert "no alias can keep them" in rename.moves[-1]
