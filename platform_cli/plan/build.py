"""`platform plan`: what a change between two revisions will do, as data.

`build_plan(base, head, changed_paths, today)` is a function of the files of both
revisions (given as trees of blob ids, read on demand): it checks the head, diffs both
landscapes by identity, renders the stacks that the change touches (and only those)
to diff their Kubernetes objects, prices both sides, compares each touched team's
usage with its quota, and works out the risks, the required reviewers and the
affected shards. `run_plan(options)` is the edge that lists the revisions in git (or
reads the working tree) and calls it; `plan_report` renders a `Plan` as markdown,
text or JSON.

The cost of a plan grows with the change rather than with the landscape: with the
cache on, the base is read from the state an earlier evaluation left, and a head
that changes only resource files is evaluated incrementally from it
(`incremental.py`); only the affected shards are rendered, objects are matched by
identity in dicts, cost and quota figures are computed for the shards the change
can move, and stack totals move by what left and joined them. Without the cache both
sides are evaluated in full, with the same result.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import Any

from platform_cli.checks import owners
from platform_cli.evaluate.incremental import Evaluated, Mode, evaluate_tree
from platform_cli.evaluate.store import StateStore
from platform_cli.findings import Finding, Level
from platform_cli.gcpause import paused
from platform_cli.load.cache import DocumentCache
from platform_cli.load.model import (
    RESOURCE_KINDS,
    Database,
    Entity,
    Landscape,
    Resource,
    Server,
)
from platform_cli.plan.landscape_diff import Change, FieldChange, diff_landscapes, field_changes
from platform_cli.plan.shards import Affected, Shard, affected_shards
from platform_cli.progress import SILENT, Progress
from platform_cli.render import Manifest, object_id, render_stack
from platform_cli.render.meta import SOURCE_ANNOTATION
from platform_cli.render.usage import QUOTA_KEYS, Usage, cost, parse_quota, usage
from platform_cli.sources.git import GitRepository, Revision
from platform_cli.sources.tree import Tree, read_tree
from platform_cli.words import plural

WORKING_TREE = "working tree"

# Risk codes, in the order a reviewer should read them
RISK_CODES = (
    "delete-database",
    "delete-server",
    "delete-depended-on",
    "deletion-protection-removed",
    "shrink-storage",
    "major-version",
    "replacement",
    "quota-raised",
    "waivers-changed",
    "policies-changed",
    "schemas-changed",
)
WAIVERS_PATH = "policies/waivers.yaml"
# Changes under these paths need the architects, whatever CODEOWNERS says
ARCHITECT_PREFIXES = ("policies/", "schemas/", "landscape/systems/")


@dataclass(frozen=True)
class Snapshot:
    """One side of a plan: a label for people, the revision's files and what reading
    them found (symbolic links, for example)."""

    label: str
    tree: Tree
    findings: list[Finding] = field(default_factory=list)
    sha: str = ""


# --- Kubernetes ---------------------------------------------------------------------


@dataclass(frozen=True)
class ImmutableField:
    """A field whose change the API server (or the operator) cannot apply in place."""

    path: str
    value: Callable[[Manifest], Any]


def _at(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _per_data_volume(obj: Manifest, *keys: str) -> dict[str, Any]:
    templates = _at(obj, "spec", "dataVolumeTemplates") or []
    return {str(_at(t, "metadata", "name")): _at(t, *keys) for t in templates}


# Fields whose change means delete-and-create rather than an update, by (API group,
# kind). Kept small and explicit; an object whose identity (apiVersion, kind, namespace,
# name) changes is a delete plus a create anyway.
# - Deployment spec.selector: immutable in apps/v1.
# - Service spec.clusterIP: immutable once allocated; a change of type to or from
#   ExternalName drops or allocates the cluster IP, which Kubernetes does not do in place.
# - CloudNativePG Cluster spec.storage.storageClass: the operator never moves existing
#   PVCs to another class; the data must move to a new cluster.
# - KubeVirt VirtualMachine dataVolumeTemplates[*] storageClassName and source: a
#   DataVolume's spec is immutable once created, so the disk is re-created (re-imported).
# - PodDisruptionBudget spec.selector: immutable before Kubernetes 1.15; listed to be
#   conservative, since a selector change retargets the budget of other pods.
REPLACEMENT_RULES: dict[tuple[str, str], tuple[ImmutableField, ...]] = {
    ("apps", "Deployment"): (
        ImmutableField("spec.selector", lambda o: _at(o, "spec", "selector")),
    ),
    ("", "Service"): (
        ImmutableField("spec.clusterIP", lambda o: _at(o, "spec", "clusterIP")),
        ImmutableField(
            "spec.type (to or from ExternalName)",
            lambda o: _at(o, "spec", "type") == "ExternalName",
        ),
    ),
    ("postgresql.cnpg.io", "Cluster"): (
        ImmutableField(
            "spec.storage.storageClass", lambda o: _at(o, "spec", "storage", "storageClass")
        ),
    ),
    ("kubevirt.io", "VirtualMachine"): (
        ImmutableField(
            "spec.dataVolumeTemplates[*].spec.storage.storageClassName",
            lambda o: _per_data_volume(o, "spec", "storage", "storageClassName"),
        ),
        ImmutableField(
            "spec.dataVolumeTemplates[*].spec.source",
            lambda o: _per_data_volume(o, "spec", "source"),
        ),
    ),
    ("policy", "PodDisruptionBudget"): (
        ImmutableField("spec.selector", lambda o: _at(o, "spec", "selector")),
    ),
}


def replacement_reasons(old: Manifest, new: Manifest) -> tuple[str, ...]:
    """The immutable fields that differ between two versions of one object."""
    group = old["apiVersion"].rpartition("/")[0]
    rules = REPLACEMENT_RULES.get((group, old["kind"]), ())
    return tuple(r.path for r in rules if r.value(old) != r.value(new))


@dataclass(frozen=True)
class ObjectChange:
    """One Kubernetes object to create, update, replace or delete."""

    action: str  # "create", "update", "replace" or "delete"
    api_version: str
    kind: str
    namespace: str
    name: str
    source: str  # the landscape file the object is rendered from
    fields: tuple[FieldChange, ...] = ()
    immutable: tuple[str, ...] = ()  # why an update is a replacement

    @property
    def ref(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"


@dataclass(frozen=True)
class KubernetesStack:
    """The object changes of one stack, or why they cannot be computed."""

    stack: str
    changes: tuple[ObjectChange, ...] = ()
    unavailable: str = ""

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)


def diff_objects(base: Iterable[Manifest], head: Iterable[Manifest]) -> list[ObjectChange]:
    """Object changes matched by identity (apiVersion, kind, namespace, name)."""
    old = {object_id(o): o for o in base}
    new = {object_id(o): o for o in head}
    changes = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: (k[2], k[1], k[3], k[0])):
        api_version, kind, namespace, name = key
        before, after = old.get(key), new.get(key)
        obj = after if after is not None else before
        assert obj is not None
        source = str(_at(obj, "metadata", "annotations", SOURCE_ANNOTATION) or "")
        if before is None:
            changes.append(ObjectChange("create", api_version, kind, namespace, name, source))
        elif after is None:
            changes.append(ObjectChange("delete", api_version, kind, namespace, name, source))
        elif before != after:
            fields = tuple(field_changes(before, after))
            reasons = replacement_reasons(before, after)
            action = "replace" if reasons else "update"
            changes.append(
                ObjectChange(action, api_version, kind, namespace, name, source, fields, reasons)
            )
    return changes


# --- Risks, cost, quotas, reviewers -------------------------------------------------


@dataclass(frozen=True)
class Risk:
    """Something a reviewer must not miss. `code` is stable, for tools."""

    code: str
    subject: str
    message: str


@dataclass(frozen=True)
class CostLine:
    """Monthly cost of a shard (`team` set) or of a whole stack (`team` empty)."""

    stack: str
    team: str
    before: Decimal
    after: Decimal

    @property
    def delta(self) -> Decimal:
        return self.after - self.before


@dataclass(frozen=True)
class QuotaLine:
    """A team's usage of one quota key in one stack, before and after, and its quota."""

    stack: str
    team: str
    key: str
    before: int
    after: int
    quota: int | None  # after the change; None when the team has no quota there
    quota_before: int | None

    @property
    def over(self) -> bool:
        return self.quota is not None and self.after > self.quota


@dataclass(frozen=True)
class Reviewer:
    owner: str
    paths: tuple[str, ...]


@dataclass
class Plan:
    base: Snapshot
    head: Snapshot
    changed_paths: tuple[str, ...]
    changes: tuple[Change, ...]
    kubernetes: tuple[KubernetesStack, ...]
    risks: tuple[Risk, ...]
    costs: tuple[CostLine, ...]  # per shard
    stack_costs: tuple[CostLine, ...]  # whole stacks the change touches
    unpriced: tuple[str, ...]  # storage classes without a price
    price_sheet_changed: bool
    quotas: tuple[QuotaLine, ...]
    reviewers: tuple[Reviewer, ...]
    affected: tuple[Affected, ...]
    findings: tuple[Finding, ...]  # at head
    waived: int
    base_errors: int
    # The Pulumi stack with the most resources at head, and how many: previews and
    # updates grow with a stack's size, so reviewers see when a shard grows large
    largest: tuple[str, int] | None = None
    # How each side was evaluated (evaluate/incremental.py)
    evaluated: tuple[Mode, Mode] = (Mode.FULL, Mode.FULL)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level is Level.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level is Level.WARNING]

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    @property
    def cost_delta(self) -> Decimal:
        return sum((line.delta for line in self.costs), Decimal("0.00"))

    @property
    def resource_changes(self) -> list[Change]:
        return [c for c in self.changes if c.kind in RESOURCE_KINDS]


# --- The plan ------------------------------------------------------------------------


@paused
def build_plan(
    base: Snapshot,
    head: Snapshot,
    changed_paths: Iterable[str],
    today: datetime.date,
    cache: DocumentCache | None = None,
    progress: Progress = SILENT,
) -> Plan:
    """The plan of the change from `base` to `head`. The same with or without a
    cache, which only saves work done before on the same bytes: parsing a file, or
    evaluating a revision, from which the head is then evaluated incrementally."""
    paths = tuple(sorted(set(changed_paths)))
    # The base only needs to be sound enough to render and compare: without a cache
    # its policy findings are not computed, since they are not part of the plan.
    base_run = evaluate_tree(base.tree, today, progress, cache, policies=False)
    head_run = evaluate_tree(head.tree, today, progress, cache, base=base_run)
    base_eval, head_eval = base_run.evaluation, head_run.evaluation
    old, new = base_eval.loaded.landscape, head_eval.loaded.landscape
    sound = [*base_eval.loaded.findings, *chain.from_iterable(base_eval.parts.references.values())]
    base_errors = [f for f in [*base.findings, *sound] if f.level is Level.ERROR]
    head_findings = sorted([*head.findings, *head_eval.findings])
    head_errors = [f for f in head_findings if f.level is Level.ERROR]

    changes = diff_landscapes(old, new)
    affected = affected_shards(old, new, paths)
    touched_stacks = sorted(
        {a.shard.stack for a in affected}
        | {c.stack for c in changes if c.stack}
        | {c.name for c in changes if c.kind == "Stack"}
    )
    # Only the affected shards can render differently (see affected.py), so only their
    # objects are rendered: the cost follows the change, not the size of the stack.
    kubernetes = tuple(
        _kubernetes(
            stack,
            old,
            new,
            len(base_errors),
            len(head_errors),
            {a.shard.team for a in affected if a.shard.stack == stack},
        )
        for stack in touched_stacks
    )
    price_sheet_changed = _price_data(old) != _price_data(new)
    cost_scope, quota_scope = _scopes(old, new, changes, price_sheet_changed)
    costs, unpriced = _costs(old, new, cost_scope)
    stack_costs = _stack_costs(old, new, sorted({s.stack for s in cost_scope}), base_run, cache)
    return Plan(
        base=base,
        head=head,
        changed_paths=paths,
        changes=tuple(changes),
        kubernetes=kubernetes,
        risks=tuple(_risks(old, new, changes, paths, kubernetes)),
        costs=costs,
        stack_costs=stack_costs,
        unpriced=unpriced,
        price_sheet_changed=price_sheet_changed,
        quotas=tuple(_quotas(old, new, quota_scope)),
        reviewers=tuple(_reviewers(old, new, paths, changes)),
        affected=tuple(affected),
        largest=_largest_shard(new),
        findings=tuple(head_findings),
        waived=len(head_eval.waived),
        base_errors=len(base_errors),
        evaluated=(base_run.how, head_run.how),
    )


def _largest_shard(landscape: Landscape) -> tuple[str, int] | None:
    sizes = Counter((r.stack, r.team) for r in landscape.all_resources())
    if not sizes:
        return None
    (stack, team), count = min(sizes.items(), key=lambda item: (-item[1], item[0]))
    return Shard(stack, team).name, count


def _kubernetes(
    stack: str,
    old: Landscape,
    new: Landscape,
    base_errors: int,
    head_errors: int,
    teams: set[str],
) -> KubernetesStack:
    """Render one stack on both sides and diff the objects. A side with errors is not
    rendered: its objects would be a guess."""
    if head_errors:
        return KubernetesStack(stack, unavailable=f"the head has {plural(head_errors, 'error')}")
    if base_errors:
        return KubernetesStack(stack, unavailable=f"the base has {plural(base_errors, 'error')}")
    sides: list[list[Manifest]] = []
    for side, landscape in (("base", old), ("head", new)):
        if stack not in landscape.stacks:
            sides.append([])
            continue
        rendered = render_stack(landscape, stack, teams)
        if rendered.failed:
            errors = [f for f in rendered.findings if f.level is Level.ERROR]
            first = errors[0]
            return KubernetesStack(
                stack,
                unavailable=f"rendering the {side} failed: {first.location}: "
                f"[{first.rule}] {first.message}"
                + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
            )
        sides.append(rendered.objects)
    return KubernetesStack(stack, tuple(diff_objects(sides[0], sides[1])))


def _price_data(landscape: Landscape) -> Any:
    return landscape.prices.doc.data.get("spec") if landscape.prices else None


def _shards_of(landscape: Landscape, stack: str) -> set[Shard]:
    found = {Shard(stack, r.team) for r in landscape.in_stack(stack).values()}
    found |= {Shard(stack, t.name) for t in landscape.teams.values() if t.quota(stack)}
    return found


def _scopes(
    old: Landscape, new: Landscape, changes: list[Change], prices_changed: bool
) -> tuple[set[Shard], set[Shard]]:
    """The shards whose cost, and whose quota usage or quota, the change can move."""
    cost_scope: set[Shard] = set()
    quota_scope: set[Shard] = set()
    for change in changes:
        if change.kind in RESOURCE_KINDS:
            for entity in (change.old, change.new):
                if isinstance(entity, Resource):
                    cost_scope.add(Shard(change.stack, entity.team))
        elif change.kind == "Stack":
            # Defaults (replicas, instances) and the default storage class
            for landscape in (old, new):
                cost_scope |= _shards_of(landscape, change.name)
        elif change.kind == "Team":
            for landscape in (old, new):
                team = landscape.teams.get(change.name)
                if team is not None:
                    quota_scope |= {
                        Shard(stack, team.name)
                        for stack in team.spec["quotas"]
                        if stack in landscape.stacks
                    }
    quota_scope |= cost_scope
    if prices_changed:
        for landscape in (old, new):
            for stack in landscape.stacks:
                cost_scope |= _shards_of(landscape, stack)
    return cost_scope, quota_scope


def _by_shard(landscape: Landscape, scope: Iterable[Shard]) -> dict[Shard, list[Resource]]:
    """The resources of each shard in `scope`, in file order."""
    out: dict[Shard, list[Resource]] = {}
    teams: dict[str, dict[str, list[Resource]]] = {}
    for shard in scope:
        teams.setdefault(shard.stack, {})[shard.team] = out.setdefault(shard, [])
    for stack, wanted in teams.items():
        for resource in landscape.in_stack(stack).values():
            found = wanted.get(resource.team)
            if found is not None:
                found.append(resource)
    return out


def _cost_of(landscape: Landscape, resources: Iterable[Resource]) -> tuple[Decimal, set[str]]:
    total, unpriced = Decimal(0), set[str]()
    if landscape.prices is None:
        return total, unpriced
    for resource in resources:
        stack = landscape.stacks.get(resource.stack)
        if stack is None:
            continue
        c = cost(resource, stack, landscape.prices)
        total += c.total
        unpriced |= set(c.unpriced)
    return total, unpriced


def _costs(
    old: Landscape, new: Landscape, scope: set[Shard]
) -> tuple[tuple[CostLine, ...], tuple[str, ...]]:
    before, after = _by_shard(old, scope), _by_shard(new, scope)
    unpriced: set[str] = set()
    lines = []
    for shard in sorted(scope):
        was, missing_old = _cost_of(old, before.get(shard, []))
        now, missing_new = _cost_of(new, after.get(shard, []))
        unpriced |= missing_old | missing_new
        lines.append(CostLine(shard.stack, shard.team, was, now))
    return tuple(lines), tuple(sorted(unpriced))


STACK_COSTS = "stackCosts"  # the key of the base's stack costs in its stored state


def _stack_costs(
    old: Landscape,
    new: Landscape,
    stacks: list[str],
    base_run: Evaluated,
    cache: DocumentCache | None,
) -> tuple[CostLine, ...]:
    """The whole cost of each stack before and after. Pricing every resource of a
    large stack is slow, so the base's totals are kept with its stored state, and
    when the stack and the price sheet are the very same objects on both sides (an
    incremental evaluation shares everything it did not change) the head's total is
    the base's minus the resources that left the stack plus those that joined it:
    money is rounded per resource, so the sums are exact."""
    state = base_run.state
    saved: dict[str, str] = dict(state.extras.get(STACK_COSTS, {})) if state else {}
    lines = []
    for stack in stacks:
        if stack in saved:
            was = Decimal(saved[stack])
        else:
            was, _ = _cost_of(old, old.in_stack(stack).values())
            saved[stack] = str(was)
        if old.stacks.get(stack) is new.stacks.get(stack) and old.prices is new.prices:
            before = {id(r): r for r in old.in_stack(stack).values()}
            after = {id(r): r for r in new.in_stack(stack).values()}
            left, _ = _cost_of(old, [before[i] for i in before.keys() - after.keys()])
            joined, _ = _cost_of(new, [after[i] for i in after.keys() - before.keys()])
            now = was - left + joined
        else:
            now, _ = _cost_of(new, new.in_stack(stack).values())
        lines.append(CostLine(stack, "", was, now))
    store = StateStore.of(cache)
    if state is not None and store is not None and saved != state.extras.get(STACK_COSTS):
        state.extras[STACK_COSTS] = saved
        store.put(state)
    return tuple(lines)


def _usage_of(landscape: Landscape, shard: Shard, resources: list[Resource]) -> Usage:
    stack = landscape.stacks.get(shard.stack)
    return usage(resources, stack) if stack is not None else Usage()


def _quota_of(landscape: Landscape, shard: Shard, key: str) -> int | None:
    team = landscape.teams.get(shard.team)
    quota = team.quota(shard.stack) if team is not None else None
    if quota is None or key not in quota:
        return None
    return parse_quota(key, quota[key])


def _quotas(old: Landscape, new: Landscape, scope: set[Shard]) -> list[QuotaLine]:
    before, after = _by_shard(old, scope), _by_shard(new, scope)
    lines = []
    for shard in sorted(scope):
        was = _usage_of(old, shard, before.get(shard, []))
        now = _usage_of(new, shard, after.get(shard, []))
        for key in QUOTA_KEYS:
            lines.append(
                QuotaLine(
                    shard.stack,
                    shard.team,
                    key,
                    was.get(key),
                    now.get(key),
                    _quota_of(new, shard, key),
                    _quota_of(old, shard, key),
                )
            )
    return lines


def _reviewers(
    old: Landscape, new: Landscape, paths: tuple[str, ...], changes: list[Change]
) -> list[Reviewer]:
    """The owners of the changed paths by the base's CODEOWNERS rules (GitHub applies
    the base branch's file to a pull request), plus the architects for architecture
    files and for raised quotas. The head's rules stand in when the base has no policy
    configuration.

    A team file lists the team and the architects, and GitHub accepts any one listed
    owner, so a team could approve its own quota; naming the architects here, with
    the `quota-raised` risk, is what tells the reviewer that they must approve."""
    table = owners.rules(old) or owners.rules(new)
    config = old.config or new.config
    by_owner: dict[str, set[str]] = {}
    for path, who in owners.owners_for(table, paths):
        for owner in who:
            by_owner.setdefault(owner, set()).add(path)
    if config is not None:
        for path in paths:
            if path.startswith(ARCHITECT_PREFIXES):
                by_owner.setdefault(config.architects, set()).add(path)
        for change in changes:
            if _raised_quotas(change):
                by_owner.setdefault(config.architects, set()).add(change.entity.path)
    return [Reviewer(owner, tuple(sorted(by_owner[owner]))) for owner in sorted(by_owner)]


# --- Risks ---------------------------------------------------------------------------


def _risks(
    old: Landscape,
    new: Landscape,
    changes: list[Change],
    paths: tuple[str, ...],
    kubernetes: tuple[KubernetesStack, ...],
) -> list[Risk]:
    risks: list[Risk] = []
    removed = {(c.stack, c.kind, c.name) for c in changes if c.action == "remove" and c.stack}
    dependents = _dependents(old, removed)
    for change in changes:
        if not change.stack or change.kind not in RESOURCE_KINDS:
            continue
        subject = f"{change.stack} {change.kind} {change.name}"
        if change.action == "remove":
            risks += _removal_risks(change, subject, dependents, removed, new)
        elif change.action == "change":
            assert change.old is not None and change.new is not None
            risks += _change_risks(change.old, change.new, subject)
    for stack in kubernetes:
        for obj in stack.changes:
            if obj.action == "replace":
                risks.append(
                    Risk(
                        "replacement",
                        f"{stack.stack} {obj.ref}",
                        "is deleted and created again: "
                        + ", ".join(obj.immutable)
                        + " cannot change in place",
                    )
                )
    for change in changes:
        raised = _raised_quotas(change)
        if raised:
            risks.append(
                Risk(
                    "quota-raised",
                    f"Team {change.name}",
                    "raises its quota: " + ", ".join(raised) + "; the architects must approve",
                )
            )
    risks += _architecture_risks(old, new, paths)
    order = {code: i for i, code in enumerate(RISK_CODES)}
    return sorted(risks, key=lambda r: (order[r.code], r.subject))


def _raised_quotas(change: Change) -> list[str]:
    """`stack.key old -> new` for every quota of a team that grows (or appears)."""
    if change.kind != "Team" or change.action == "remove":
        return []
    old = change.old.spec["quotas"] if change.old is not None else {}
    new = change.entity.spec["quotas"]
    raised = []
    for stack in sorted(new):
        for key in QUOTA_KEYS:
            after = parse_quota(key, new[stack][key])
            before_raw = old.get(stack, {}).get(key)
            before = parse_quota(key, before_raw) if before_raw is not None else 0
            if after > before:
                shown = "(none)" if before_raw is None else str(before_raw)
                raised.append(f"{stack}.{key} {shown} -> {new[stack][key]}")
    return raised


def _dependents(
    landscape: Landscape, removed: set[tuple[str, str, str]]
) -> dict[tuple[str, str, str], list[Resource]]:
    """For each removed resource, the resources of the base that depend on it."""
    out: dict[tuple[str, str, str], list[Resource]] = {}
    if not removed:
        return out
    for resource in landscape.all_resources():
        for kind, name in resource.depends_on:
            key = (resource.stack, kind, name)
            if key in removed:
                out.setdefault(key, []).append(resource)
    return out


def _removal_risks(
    change: Change,
    subject: str,
    dependents: Mapping[tuple[str, str, str], list[Resource]],
    removed: set[tuple[str, str, str]],
    new: Landscape,
) -> list[Risk]:
    risks = []
    entity = change.old
    if isinstance(entity, Database | Server):
        protected = (
            "; deletionProtection is on, so the apply refuses until a change turns it off"
            if entity.deletion_protection
            else ""
        )
        what = "its data" if isinstance(entity, Database) else "its disk"
        code = "delete-database" if isinstance(entity, Database) else "delete-server"
        risks.append(Risk(code, subject, f"is deleted with {what}{protected}"))
    users = []
    for user in dependents.get((change.stack, change.kind, change.name), []):
        if (user.stack, user.kind, user.name) in removed:
            continue
        now = new.find(user.stack, user.kind, user.name)
        still = now is not None and (change.kind, change.name) in now.depends_on
        users.append(f"{user.ref} ({'still declared at head' if still else 'dropped at head'})")
    if users:
        risks.append(
            Risk(
                "delete-depended-on",
                subject,
                f"is deleted, but {', '.join(sorted(users))} depended on it at base",
            )
        )
    return risks


def _change_risks(old: Entity, new: Entity, subject: str) -> list[Risk]:
    risks: list[Risk] = []
    if not (isinstance(old, Resource) and isinstance(new, Resource)):
        return risks
    if old.deletion_protection and not new.deletion_protection:
        risks.append(
            Risk("deletion-protection-removed", subject, "deletionProtection is turned off")
        )
    if isinstance(old, Database) and isinstance(new, Database):
        if new.storage_bytes < old.storage_bytes:
            risks.append(
                Risk(
                    "shrink-storage",
                    subject,
                    f"storage shrinks from {old.spec['storage']['size']} to "
                    f"{new.spec['storage']['size']}",
                )
            )
        if (old.spec["engine"], old.spec["version"]) != (new.spec["engine"], new.spec["version"]):
            risks.append(
                Risk(
                    "major-version",
                    subject,
                    f"{old.spec['engine']} {old.spec['version']} -> "
                    f"{new.spec['engine']} {new.spec['version']}: a major upgrade",
                )
            )
    if isinstance(old, Server) and isinstance(new, Server) and new.disk_bytes < old.disk_bytes:
        risks.append(
            Risk(
                "shrink-storage",
                subject,
                f"disk shrinks from {old.spec['disk']['size']} to {new.spec['disk']['size']}",
            )
        )
    return risks


def _architecture_risks(old: Landscape, new: Landscape, paths: tuple[str, ...]) -> list[Risk]:
    risks = []
    if WAIVERS_PATH in paths:
        details = _waiver_changes(old, new) or ["the file changes"]
        risks.append(Risk("waivers-changed", WAIVERS_PATH, "; ".join(details)))
    policies = [p for p in paths if p.startswith("policies/") and p != WAIVERS_PATH]
    if policies:
        risks.append(Risk("policies-changed", "policies/", "changes " + ", ".join(policies)))
    schemas = [p for p in paths if p.startswith("schemas/")]
    if schemas:
        risks.append(Risk("schemas-changed", "schemas/", "changes " + ", ".join(schemas)))
    return risks


def _waiver_key(entry: Mapping[str, Any]) -> tuple[str, str, str, str]:
    target = entry.get("target", {})
    return (
        str(entry.get("policy")),
        str(target.get("stack")),
        str(target.get("kind")),
        str(target.get("name")),
    )


def _waiver_changes(old: Landscape, new: Landscape) -> list[str]:
    before = {_waiver_key(e): e for e in (old.waivers.entries if old.waivers else [])}
    after = {_waiver_key(e): e for e in (new.waivers.entries if new.waivers else [])}
    out = []
    for key in sorted(before.keys() | after.keys()):
        policy, stack, kind, name = key
        target = f"{policy} for {stack} {kind}/{name}"
        was, now = before.get(key), after.get(key)
        if was is None and now is not None:
            out.append(
                f"adds a waiver of {target} ({now.get('ticket')}, expires {now.get('expires')})"
            )
        elif now is None:
            out.append(f"removes the waiver of {target}")
        elif was != now:
            fields = ", ".join(c.describe() for c in field_changes(was, now))
            out.append(f"changes the waiver of {target}: {fields}")
    return out


# --- The edge ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanOptions:
    root: Path
    base: str
    head: str | None = None  # None: the working tree
    today: datetime.date | None = None
    cache: DocumentCache | None = None
    progress: Progress = SILENT


def run_plan(options: PlanOptions) -> Plan:
    """Read both revisions (from git objects, or the working tree for the head) and
    build the plan. Never checks out, and never writes to the repository."""
    repo = GitRepository(options.root)
    try:
        store = StateStore.of(options.cache)
        base_rev = repo.resolve(options.base)
        head_rev = repo.resolve(options.head) if options.head is not None else None
        base_tree, base_findings = _listed(repo, store, base_rev)
        base = Snapshot(options.base, base_tree, base_findings, base_rev.sha)
        if head_rev is None:
            head_files, head_findings = read_tree(options.root)
            head = Snapshot(WORKING_TREE, Tree.of_files(head_files), head_findings)
        else:
            head_tree, head_findings = repo.tree_after(base_rev, base_tree, base_findings, head_rev)
            head = Snapshot(str(options.head), head_tree, head_findings, head_rev.sha)
        changed = repo.changed_paths(base_rev, head_rev)
        today = options.today or datetime.date.today()
        # Inside the try: the trees read files from the repository on demand
        return build_plan(base, head, changed, today, options.cache, options.progress)
    finally:
        repo.close()


def _listed(
    repo: GitRepository, store: StateStore | None, revision: Revision
) -> tuple[Tree, list[Finding]]:
    """A revision's files by blob id: listed by git, or kept from an earlier plan by
    the id of the revision's root tree (which names every file below it)."""
    if store is None:
        return repo.tree_at(revision)
    (tree_id,) = repo.tree_ids(revision)
    kept = store.listing(tree_id, repo.prefix)
    if kept is not None:
        blobs, findings, key = kept
        return replace(repo.tree_of(blobs), digest=key), findings
    tree, findings = repo.tree_at(revision)
    store.put_listing(tree_id, repo.prefix, tree, findings)
    return tree, findings
