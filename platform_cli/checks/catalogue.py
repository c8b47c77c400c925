"""The one catalogue of built-in rules: every rule the toolkit checks itself.

Each rule is declared next to the code that emits it (a `BuiltinRule` with its ID,
level, scope and documentation); this tuple lists all of them by hand, in the order
of the pipeline: reading the files, YAML, the document's header, layout and schema,
the integrity checks, waivers, CODEOWNERS, and what only rendering finds.
SARIF rule metadata, docs/checks.md and `platform policies explain` read it, and a
test holds that every rule a finding can name is here. An ID is never reused for a
different meaning. The architecture policies (LND...) are listed in
`policies/__init__.py`, not here.
"""

from __future__ import annotations

from platform_cli.checks import owners, retirement, waivers
from platform_cli.checks.adoption import (
    IMPORT_REFUSED,
    IMPORT_REPLACES,
    IMPORT_UNEXPRESSIBLE,
    IMPORT_UNKNOWN_KIND,
    INVENTORY_ROW,
)
from platform_cli.checks.integrity import (
    autoscaling_range,
    backup_schedule,
    backup_store,
    database_image,
    database_name,
    database_restore,
    dependency_cycle,
    duplicate_env,
    duplicate_name,
    file_name,
    ingress_host,
    limit_range,
    name_clash,
    namespace_clash,
    ref_depends_on,
    ref_port,
    ref_price,
    ref_stack,
    ref_storage_class,
    ref_system,
    ref_system_owner,
    ref_team,
    ref_vm_image,
    reserved_name,
    resources_range,
    retired_dependency,
    retired_team,
    server_external,
    stack_file,
    stack_limit,
)
from platform_cli.findings import BuiltinRule
from platform_cli.load import landscape, reader, schema, values
from platform_cli.render import RENDER_NAME_CLASH
from platform_cli.render.database import RENDER_BACKUP_STORE, RENDER_DATABASE_IMAGE
from platform_cli.render.workload import RENDER_DATABASE_SECRET
from platform_cli.sources.tree import LAYOUT

RULES: tuple[BuiltinRule, ...] = (
    reader.FILE_TOO_LARGE,
    reader.ENCODING,
    reader.YAML_SYNTAX,
    reader.YAML_EMPTY,
    reader.YAML_MULTIPLE_DOCUMENTS,
    reader.YAML_NOT_A_MAPPING,
    values.YAML_ANCHOR,
    values.YAML_TAG,
    values.YAML_DUPLICATE_KEY,
    values.YAML_KEY,
    values.YAML_AMBIGUOUS,
    values.YAML_TOO_MANY_VALUES,
    values.YAML_DEPTH,
    landscape.API_VERSION,
    landscape.KIND,
    LAYOUT,
    schema.SCHEMA,
    duplicate_name.RULE,
    stack_file.RULE,
    ref_team.RULE,
    ref_system.RULE,
    ref_system_owner.RULE,
    ref_stack.RULE,
    ref_storage_class.RULE,
    ref_depends_on.RULE,
    ref_vm_image.RULE,
    ref_price.RULE,
    ref_port.RULE,
    resources_range.RULE,
    limit_range.RULE,
    autoscaling_range.RULE,
    stack_limit.RULE,
    duplicate_env.RULE,
    file_name.RULE,
    dependency_cycle.RULE,
    retired_dependency.RULE,
    retired_team.RULE,
    waivers.WAIVER_EXPIRED,
    waivers.WAIVER_REFUSED,
    waivers.WAIVER_POLICY,
    waivers.WAIVER_UNUSED,
    retirement.RETIREMENT_REQUIRED,
    retirement.RETIREMENT_DATE,
    backup_store.RULE,
    backup_schedule.RULE,
    database_image.RULE,
    database_name.RULE,
    database_restore.RULE,
    database_restore.AFTER_RETIREMENT,
    database_restore.WINDOW,
    database_restore.EXISTING,
    server_external.RULE,
    name_clash.RULE,
    namespace_clash.RULE,
    reserved_name.RULE,
    ingress_host.RULE,
    RENDER_BACKUP_STORE,
    RENDER_DATABASE_IMAGE,
    RENDER_NAME_CLASH,
    RENDER_DATABASE_SECRET,
    # What only `platform import` finds (checks/adoption.py)
    IMPORT_UNEXPRESSIBLE,
    IMPORT_UNKNOWN_KIND,
    IMPORT_REPLACES,
    IMPORT_REFUSED,
    INVENTORY_ROW,
    owners.CODEOWNERS,
)

BY_ID: dict[str, BuiltinRule] = {rule.id: rule for rule in RULES}
