"""Tenant isolation, attacked as a member of one team would: each case is a pull
request (a branch of a real git repository holding the bundled landscape) that only
that team's code owners would approve. Each must end in a located error, or in a risk
and a required approval of the team or the architects it concerns."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from platform_cli.findings import Level
from platform_cli.plan.build import Plan
from platform_cli.plan.risks import ARCHITECTS, RiskCode
from platform_cli.plan.run import PlanOptions, run_plan
from tests.test_plan import TODAY, copy_repository, git

CRM_WEB = "stacks/prod/call-center/crm-web.yaml"
KEYCLOAK = "stacks/prod/platform/keycloak.yaml"
TICKETS_WEB = "stacks/prod/service-desk/tickets-web.yaml"

# branch -> {path: [(old, new), ...]} or {path: text} for a new file
ATTACKS: dict[str, dict[str, list[tuple[str, str]] | str]] = {
    # The single-sign-on login path on the platform team's host
    "hijack-sso-login": {
        CRM_WEB: [("    host: crm.apps.dom-komfort.example\n",
                   "    host: sso.apps.dom-komfort.example\n    path: /login\n")],
    },
    # Another team's host, with a longer path prefix that takes part of its traffic
    "take-other-teams-host": {
        CRM_WEB: [("    host: crm.apps.dom-komfort.example\n",
                   "    host: desk.apps.dom-komfort.example\n    path: /api\n")],
    },
    "apex-domain": {
        CRM_WEB: [("    host: crm.apps.dom-komfort.example\n", "    host: dom-komfort.example\n")],
    },
    "foreign-domain": {
        CRM_WEB: [("    host: crm.apps.dom-komfort.example\n", "    host: crm.evil.example\n")],
    },
    # A production host in the dev stack's domain, which nests in prod's
    "other-stacks-domain": {
        CRM_WEB: [("    host: crm.apps.dom-komfort.example\n",
                   "    host: crm.dev.apps.dom-komfort.example\n")],
    },
    "system-group": {
        "landscape/teams/iot.yaml": [("spec:\n", 'spec:\n  kubernetesGroup: "system:authenticated"\n')],
    },
    "reserved-namespace-label": {
        "landscape/teams/iot.yaml": [
            ("  name: iot\n", "  name: iot\n  labels:\n    kubernetes.io/metadata.name: prod-billing\n")
        ],
    },
    "operator-name": {
        "stacks/prod/call-center/crm-db-rw.yaml": "crm-db-rw",
    },
    # A token in an argument, and one split by a zero-width space in another
    "secret-in-args": {
        CRM_WEB: [("  resources:\n",
                   '  args: [serve, "--token", "ghp_' + "0123456789abcdefghijklmnopqrstuvwxyzAB"
                   + '"]\n  resources:\n')],
    },
    "image-by-tag-only": {
        CRM_WEB: [("@sha256:f1a2dfdd2b18db5fd63afaf6d2fb6414fded7f21cc6db98d2ee81f43422e6f15", "")],
    },
    "move-to-weaker-system": {
        "stacks/prod/billing/receipts-renderer.yaml": [("  system: billing\n", "  system: payments\n")],
    },
}  # fmt: skip


def _service_named(root: Path, name: str) -> str:
    text = (root / "stacks/prod/call-center/crm-web.yaml").read_text()
    return text.replace("name: crm-web", f"name: {name}").replace(
        "    host: crm.apps.dom-komfort.example\n", f"    host: {name}.apps.dom-komfort.example\n"
    )


@pytest.fixture(scope="module")
def attack_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_repository(tmp_path_factory.mktemp("tenancy") / "repo")
    for branch, edits in ATTACKS.items():
        git(root, "switch", "-q", "-c", branch, "main")
        for path, edit in edits.items():
            target = root / path
            if isinstance(edit, str):
                target.write_text(_service_named(root, edit))
                continue
            text = target.read_text()
            for old, new in edit:
                assert old in text, (path, old)
                text = text.replace(old, new, 1)
            target.write_text(text)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", branch)
    git(root, "switch", "-q", "main")
    return root


def plan_of(root: Path, branch: str) -> Plan:
    return run_plan(PlanOptions(root, "main", branch, datetime.date.fromisoformat(TODAY)))


def errors(plan: Plan) -> list[tuple[str, str, str]]:
    """(path, rule, message) of every error, the location checked to be real."""
    found = []
    for f in plan.findings:
        if f.level is Level.ERROR:
            assert f.line > 0 and f.column > 0, f
            found.append((f.path, f.rule, f.message))
    return found


def test_the_sso_login_path_cannot_be_taken(attack_repo: Path) -> None:
    plan = plan_of(attack_repo, "hijack-sso-login")
    assert plan.exit_code == 1
    found = errors(plan)
    assert {(p, r) for p, r, _ in found} == {(CRM_WEB, "ingress-host"), (KEYCLOAK, "ingress-host")}
    messages = " ".join(m for _, _, m in found)
    assert "reserved by the architects for team 'platform'" in messages
    assert "also served by Service/keycloak of team 'platform'" in messages
    assert "also served by Service/crm-web of team 'call-center'" in messages


def test_another_teams_host_cannot_be_shared_by_path(attack_repo: Path) -> None:
    found = errors(plan_of(attack_repo, "take-other-teams-host"))
    assert {(p, r) for p, r, _ in found} == {
        (CRM_WEB, "ingress-host"),
        (TICKETS_WEB, "ingress-host"),
    }


@pytest.mark.parametrize(
    ("branch", "words"),
    [
        ("apex-domain", "is a domain of the landscape"),
        ("foreign-domain", "is not under a domain stack 'prod' allows"),
        ("other-stacks-domain", "is not under a domain stack 'prod' allows"),
    ],
)
def test_hosts_stay_under_the_stacks_domains(attack_repo: Path, branch: str, words: str) -> None:
    ((path, rule, message),) = errors(plan_of(attack_repo, branch))
    assert (path, rule) == (CRM_WEB, "ingress-host")
    assert words in message


@pytest.mark.parametrize(
    ("branch", "words"),
    [
        ("system-group", '"system:authenticated" is refused (Kubernetes system group)'),
        (
            "reserved-namespace-label",
            '"kubernetes.io/metadata.name" is refused (Reserved label prefix)',
        ),
    ],
)
def test_team_definitions_cannot_grant_cluster_access(
    attack_repo: Path, branch: str, words: str
) -> None:
    ((path, rule, message),) = errors(plan_of(attack_repo, branch))
    assert (path, rule) == ("landscape/teams/iot.yaml", "schema")
    assert words in message


def test_a_name_an_operator_derives_is_refused_before_rendering(attack_repo: Path) -> None:
    ((path, rule, message),) = errors(plan_of(attack_repo, "operator-name"))
    assert (path, rule) == ("stacks/prod/call-center/crm-db-rw.yaml", "reserved-name")
    assert "database 'crm-db'" in message


def test_a_token_in_an_argument_is_refused(attack_repo: Path) -> None:
    ((path, rule, message),) = errors(plan_of(attack_repo, "secret-in-args"))
    assert (path, rule) == (CRM_WEB, "LND010")
    assert message == (
        "args[2] of service 'crm-web' looks like a plaintext secret: the value holds a GitHub token"
    )


def test_production_images_are_pinned_by_digest(attack_repo: Path) -> None:
    ((path, rule, message),) = errors(plan_of(attack_repo, "image-by-tag-only"))
    assert (path, rule) == (CRM_WEB, "LND009")
    assert "is not pinned by digest, which stack 'prod' (production) requires" in message


def test_a_move_to_a_weaker_system_is_a_risk_for_the_architects(attack_repo: Path) -> None:
    """The head is judged as a whole (here LND002 refuses it as well), and whatever
    the policies say, the move is flagged for the architects."""
    plan = plan_of(attack_repo, "move-to-weaker-system")
    (risk,) = [r for r in plan.risks if r.code is RiskCode.SYSTEM_MOVE_WEAKER]
    assert risk.subject == "prod Service receipts-renderer"
    assert "does not hold personal data" in risk.message
    assert risk.approver == ARCHITECTS
    assert [a.team for a in plan.approvals] == [ARCHITECTS]


def test_exposure_picks_the_controller_and_each_host_gets_its_certificate() -> None:
    """`public: false` is technically internal: another ingress class, whose controller
    only the company network reaches. Each Ingress asks cert-manager for a certificate
    of its one host from the stack's ClusterIssuer."""
    from tests.render_support import rendered

    ingresses = {
        o["metadata"]["name"]: o for o in rendered("prod").objects if o["kind"] == "Ingress"
    }
    classes = {name: o["spec"]["ingressClassName"] for name, o in ingresses.items()}
    assert classes["payments-webhook"] == classes["resident-app-api"] == "nginx-public"
    assert classes["crm-web"] == classes["keycloak"] == "nginx"
    for name, ingress in ingresses.items():
        ((rule,),) = [ingress["spec"]["rules"]]
        assert ingress["spec"]["tls"] == [{"hosts": [rule["host"]], "secretName": f"{name}-tls"}]
        annotations = ingress["metadata"]["annotations"]
        assert annotations["cert-manager.io/cluster-issuer"] == "dom-komfort-ca"
