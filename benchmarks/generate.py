"""Write a synthetic but realistic landscape of N resources, as a git repository.

    python benchmarks/generate.py N OUT_DIR [--seed S] [--no-git]

The landscape has teams (one per ~100 resources, each owning two systems), both
stacks (prod and dev, half of the resources each), a mix of about 60% services, 25%
databases and 15% servers, dependencies inside a system and across declared
integrations, quotas that fit, the bundled policy configuration, price sheet and
image catalog, and a generated CODEOWNERS. It passes `platform check` with no errors.

With git (the default), `main` holds the landscape in one commit and the branch
`feature` adds one small change on top: a database resized in one team's folder, the
shape of a typical pull request. The same N and seed always give the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from platform_cli.checks import owners
from platform_cli.load.landscape import load
from platform_cli.render.pods import demand
from platform_cli.sources.tree import read_tree

REPO = Path(__file__).resolve().parent.parent

RESOURCES_PER_TEAM = 100
# Every system integrates with this one; its first service in each stack is the one
# that others call (like a master-data API)
CORE_SYSTEM = "sys-0000-a"
IMAGES = ["ubuntu-24.04", "ubuntu-22.04", "debian-12", "rocky-9"]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Benchmark",
    "GIT_AUTHOR_EMAIL": "bench@dom-komfort.example",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_COMMITTER_NAME": "Benchmark",
    "GIT_COMMITTER_EMAIL": "bench@dom-komfort.example",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}


@dataclass
class Usage:
    cpu_m: int = 0
    memory_mi: int = 0
    storage_gi: int = 0
    servers: int = 0


@dataclass
class Team:
    name: str
    systems: list[str]
    usage: dict[str, Usage] = field(default_factory=dict)


def generate(n: int, out: Path, seed: int = 1) -> list[Team]:
    """Write the landscape files of `n` resources under `out`."""
    rng = random.Random(seed)
    team_count = max(1, n // RESOURCES_PER_TEAM)
    teams = [Team(f"team-{i:04d}", [f"sys-{i:04d}-a", f"sys-{i:04d}-b"]) for i in range(team_count)]
    for top in ("landscape", "stacks", "policies", ".github"):
        shutil.rmtree(out / top, ignore_errors=True)
    _copy_policies(out)
    for stack, env in (("prod", "production"), ("dev", "development")):
        _write(out / f"stacks/{stack}/stack.yaml", _stack(stack, env))
    all_systems = [s for t in teams for s in t.systems]
    for index in range(n):
        team = teams[index % team_count]
        stack = "prod" if (index // team_count) % 2 == 0 else "dev"
        system = team.systems[(index // (2 * team_count)) % 2]
        ordinal = index // team_count
        _resource(out, rng, team, stack, system, ordinal, team_count)
    integrations: dict[str, list[str]] = {s: [] for s in all_systems}
    for team in teams:
        for system in team.systems:
            integrations[system] = _partners(system, all_systems)
    _size_quotas(out, teams)
    for team in teams:
        _write(out / f"landscape/teams/{team.name}.yaml", _team(team))
        for system in team.systems:
            _write(out / f"landscape/systems/{system}.yaml", _system(system, team, integrations))
    _codeowners(out)
    return teams


def _partners(system: str, all_systems: list[str]) -> list[str]:
    """Each system integrates with the core system, as real landscapes lean on a few
    master-data systems."""
    return [] if system == CORE_SYSTEM else [CORE_SYSTEM]


def _resource(
    out: Path, rng: random.Random, team: Team, stack: str, system: str, i: int, n_teams: int
) -> None:
    kind_roll = i % 20
    usage = team.usage.setdefault(stack, Usage())
    prod = stack == "prod"
    path = out / f"stacks/{stack}/{team.name}"
    base = f"{system}-{i:04d}"
    if kind_roll < 12:
        replicas = 2 if prod else 1
        cpu_m, mem_mi = rng.choice([(500, 512), (1000, 1024), (250, 256)])
        usage.cpu_m += cpu_m * replicas
        usage.memory_mi += mem_mi * replicas
        deps = []
        if i >= 20:  # the previous service of the same system and stack
            deps.append(f"    - service: {system}-{i - 20:04d}")
        if i >= 8 and i % 20 < 5:  # a database of the same system and stack
            deps.append(f"    - database: {system}-{i - 8:04d}")
        core = CORE_SYSTEM
        if i % 7 == 0 and system != core and n_teams > 0:  # the core system's first service
            deps.append(f"    - service: {core}-{0 if prod else 1:04d}")
        depends = ("  dependsOn:\n" + "\n".join(deps) + "\n") if deps else ""
        text = f"""\
# yaml-language-server: $schema=../../../schemas/service.schema.json
apiVersion: platform/v1
kind: Service
metadata:
  name: {base}
  team: {team.name}
  system: {system}
  description: Synthetic service {i} of {system}.
spec:
  image: registry.dom-komfort.example/{team.name}/{base}:{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}@sha256:{_digest(base)}
  replicas: {replicas}
  resources:
    requests: {{cpu: {cpu_m // 2}m, memory: {mem_mi // 2}Mi}}
    limits: {{cpu: {cpu_m}m, memory: {mem_mi}Mi}}
  ports:
    - {{name: http, port: 8080}}
  health: {{port: http, liveness: /healthz, readiness: /ready}}
  env:
    LOG_LEVEL: info
    FEATURE_FLAGS: "a,b,c"
{depends}"""
    elif kind_roll < 17:
        size = rng.choice([10, 20]) if not prod else rng.choice([20, 50, 100])
        instances = 2 if prod else 1
        usage.storage_gi += size * instances
        text = f"""\
# yaml-language-server: $schema=../../../schemas/database.schema.json
apiVersion: platform/v1
kind: Database
metadata:
  name: {base}
  team: {team.name}
  system: {system}
spec:
  engine: postgresql
  version: {rng.choice([15, 16, 17])}
  instances: {instances}
  storage: {{size: {size}Gi}}
  backup: {{schedule: "0 {rng.randint(0, 5)} * * *", retentionDays: {30 if prod else 7}}}
  deletionProtection: {"true" if prod else "false"}
"""
    else:
        cpu = rng.choice([2, 4, 8])
        mem_gi = cpu * 2
        disk = rng.choice([40, 80])
        usage.cpu_m += cpu * 1000
        usage.memory_mi += mem_gi * 1024
        usage.storage_gi += disk
        usage.servers += 1
        text = f"""\
# yaml-language-server: $schema=../../../schemas/server.schema.json
apiVersion: platform/v1
kind: Server
metadata:
  name: {base}
  team: {team.name}
  system: {system}
spec:
  cpu: {cpu}
  memory: {mem_gi}Gi
  disk: {{size: {disk}Gi}}
  image: {rng.choice(IMAGES)}
  sshKeys: {{secret: {team.name}-ssh-keys}}
  ports:
    - {{name: ssh, port: 22}}
  deletionProtection: {"true" if prod else "false"}
"""
    _write(path / f"{base}.yaml", text)


def _size_quotas(out: Path, teams: list[Team]) -> None:
    """Each team's usage per stack at the resource model's peak (render/pods.py: rollout
    surge, database resources, KubeVirt's overhead, CDI's import claims), so that the
    quotas written below fit what the cluster will really run."""
    files, _ = read_tree(out)
    landscape = load(files).landscape
    by_name = {t.name: t for t in teams}
    for stack_name, resources in landscape.resources.items():
        stack = landscape.stacks[stack_name]
        for team in teams:
            team.usage[stack_name] = Usage()
        for resource in resources.values():
            peak = demand(resource, stack).peak
            usage = by_name[resource.team].usage[stack_name]
            usage.cpu_m += peak.cpu
            usage.memory_mi += -(-peak.memory // 1024**2)
            usage.storage_gi += -(-peak.storage // 1024**3)
            usage.servers += peak.servers


def _team(team: Team) -> str:
    quotas = ""
    for stack in ("prod", "dev"):
        u = team.usage.get(stack, Usage())
        quotas += (
            f'    {stack}: {{cpu: "{max(1, u.cpu_m * 3 // 2000 + 1)}", '
            f"memory: {max(1, u.memory_mi * 3 // 2048 + 1)}Gi, "
            f"storage: {max(1, u.storage_gi * 3 // 2 + 1)}Gi, servers: {u.servers * 2 + 1}}}\n"
        )
    return f"""\
# yaml-language-server: $schema=../../schemas/team.schema.json
apiVersion: platform/v1
kind: Team
metadata:
  name: {team.name}
spec:
  title: Synthetic team {team.name}
  owners: ["@dom-komfort/{team.name}"]
  costCenter: CC-{int(team.name[5:]) + 1000:04d}
  contacts: {{email: {team.name}@dom-komfort.example}}
  quotas:
{quotas}"""


def _system(system: str, team: Team, integrations: dict[str, list[str]]) -> str:
    partners = ", ".join(integrations[system])
    return f"""\
# yaml-language-server: $schema=../../schemas/system.schema.json
apiVersion: platform/v1
kind: System
metadata:
  name: {system}
spec:
  title: Synthetic system {system}
  description: A generated system for benchmarks.
  owner: {team.name}
  tier: high
  dataClasses: [operational]
  integratesWith: [{partners}]
"""


def _stack(name: str, env: str) -> str:
    return f"""\
# yaml-language-server: $schema=../../schemas/stack.schema.json
apiVersion: platform/v1
kind: Stack
metadata:
  name: {name}
spec:
  environment: {env}
  cluster: {{kubeContext: {name}-msk, ingressDomain: {name}.apps.dom-komfort.example}}
  databases:
    backupStore: {{destinationPath: "s3://pg-backups-{name}", credentialsSecret: "pg-backup-{{team}}"}}
  storageClasses:
    ssd-encrypted: {{encrypted: true}}
    ssd: {{encrypted: false}}
    hdd-encrypted: {{encrypted: true}}
    standard: {{encrypted: false}}
  defaultStorageClass: ssd-encrypted
"""


def _copy_policies(out: Path) -> None:
    (out / "policies").mkdir(parents=True, exist_ok=True)
    for name in ("config.yaml", "prices.yaml"):
        shutil.copy2(REPO / "policies" / name, out / "policies" / name)
    shutil.rmtree(out / "schemas", ignore_errors=True)
    shutil.copytree(REPO / "schemas", out / "schemas")


def _codeowners(out: Path) -> None:
    files, _ = read_tree(out)
    landscape = load(files).landscape
    _write(out / owners.PATH, owners.render(owners.rules(landscape)))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _git(out: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=out, check=True, capture_output=True, env=GIT_ENV)


def make_history(out: Path) -> str:
    """Commit the landscape on `main` and one resized database on `feature`; return
    the path of the changed file."""
    shutil.rmtree(out / ".git", ignore_errors=True)
    _git(out, "init", "-q", "-b", "main")
    _git(out, "add", "-A")
    _git(out, "commit", "-q", "-m", "Landscape")
    _git(out, "switch", "-q", "-c", "feature")
    target = next(sorted(out.glob("stacks/prod/*/")).__iter__())
    database = next(p for p in sorted(target.glob("*.yaml")) if "kind: Database" in p.read_text())
    text = database.read_text()
    database.write_text(text.replace("instances: 2", "instances: 3"))
    _git(out, "commit", "-q", "-am", "Resize one database")
    _git(out, "switch", "-q", "main")
    return database.relative_to(out).as_posix()


def _digest(name: str) -> str:
    """A well-formed example digest (production requires one, LND009)."""
    return hashlib.sha256(name.encode()).hexdigest()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, help="number of resources")
    parser.add_argument("out", type=Path, help="folder to write (created)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-git", action="store_true", help="write files only")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    teams = generate(args.n, args.out, args.seed)
    changed = "" if args.no_git else make_history(args.out)
    print(f"wrote {args.n} resources for {len(teams)} teams to {args.out}")
    if changed:
        print(f"branch 'feature' changes {changed}")


if __name__ == "__main__":
    main()
