"""The repository layout: everything a path says about the file at it.

One module owns the layout, so that reading, loading, the incremental evaluator, the
shards of a change and the checks cannot disagree about where a team, a stack or a
resource lives:

    landscape/teams/<team>.yaml           a Team
    landscape/systems/<system>.yaml       a System
    stacks/<stack>/stack.yaml             the Stack
    stacks/<stack>/<team>/<name>.yaml     a resource of <team> in <stack> (subfolders allowed)
    policies/config.yaml                  PolicyConfig (and waivers.yaml, prices.yaml)

`stacks/Pulumi.<stack>.yaml` belongs to Pulumi (`stackConfigDir: stacks` in Pulumi.yaml
puts its per-stack settings there) and is not part of the landscape.
"""

from __future__ import annotations

from dataclasses import dataclass

LANDSCAPE_DIRS = ("landscape", "stacks")
# Read as well, but not required to exist
OPTIONAL_FILES = ("policies/config.yaml", "policies/waivers.yaml", "policies/prices.yaml")
# Read for checks that compare them with what the landscape implies; never parsed as YAML
OPTIONAL_TEXT_FILES = (".github/CODEOWNERS",)
YAML_SUFFIXES = (".yaml", ".yml")
STACK_FILES = ("stack.yaml", "stack.yml")
# The kinds a file under stacks/<stack>/<team>/ may declare
RESOURCE_KINDS = ("Service", "Database", "Server")
# The architects' files in policies/ and the kind each one holds
POLICY_FILES = {
    "config.yaml": "PolicyConfig",
    "waivers.yaml": "Waivers",
    "prices.yaml": "PriceSheet",
}
PLACES_HINT = (
    "teams go in landscape/teams/<team>.yaml, systems in landscape/systems/<system>.yaml, "
    "stacks in stacks/<stack>/stack.yaml, resources in stacks/<stack>/<team>/<name>.yaml, "
    "architecture settings in policies/config.yaml, waivers in policies/waivers.yaml"
)


@dataclass(frozen=True)
class Place:
    """What the layout expects of a file at a given path."""

    kinds: tuple[str, ...]
    stack: str = ""
    team: str = ""

    @property
    def holds_resources(self) -> bool:
        return self.kinds == RESOURCE_KINDS


def place_of(path: str) -> Place | None:
    """The place of a landscape file, or None where the layout has no place for it."""
    parts = path.split("/")
    if len(parts) < 2 or not parts[-1].endswith(YAML_SUFFIXES):
        return None
    if parts[0] == "landscape" and len(parts) == 3:
        if parts[1] == "teams":
            return Place(("Team",))
        if parts[1] == "systems":
            return Place(("System",))
    if parts[0] == "policies" and len(parts) == 2 and parts[1] in POLICY_FILES:
        return Place((POLICY_FILES[parts[1]],))
    if parts[0] == "stacks" and len(parts) == 3 and parts[2] in STACK_FILES:
        return Place(("Stack",), stack=parts[1])
    if parts[0] == "stacks" and len(parts) >= 4:
        return Place(RESOURCE_KINDS, stack=parts[1], team=parts[2])
    return None


def is_landscape_file(path: str) -> bool:
    """Whether a path under landscape/ or stacks/ is one of ours to read."""
    if not path.endswith(YAML_SUFFIXES):
        return False
    parts = path.split("/")
    return not (len(parts) == 2 and parts[0] == "stacks" and parts[1].startswith("Pulumi."))


def stack_of(path: str) -> str:
    """The stack of a path `stacks/<stack>/...` or of the folder `stacks/<stack>`, or ""
    (also for files directly under stacks/, such as Pulumi's `Pulumi.<stack>.yaml`)."""
    parts = path.split("/")
    if parts[0] != "stacks" or len(parts) < 2:
        return ""
    if len(parts) == 2 and parts[1].endswith(YAML_SUFFIXES):
        return ""
    return parts[1]


def team_folder(path: str) -> str:
    """The team folder of a resource path `stacks/<stack>/<team>/...`, or ""."""
    place = place_of(path)
    return place.team if place is not None else ""


def file_stem(path: str) -> str:
    """A file's name without its folder and suffix: the name a file is expected to declare."""
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def stack_folder(stack: str) -> str:
    return f"stacks/{stack}/"


def resource_path(stack: str, team: str, name: str) -> str:
    """Where `platform new` and `platform promote` write a resource."""
    return f"stacks/{stack}/{team}/{name}.yaml"
