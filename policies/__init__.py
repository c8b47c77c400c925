"""The architecture policies, one module per policy, listed here by hand.

The registry is a plain dict from ID to module, in ID order. Adding a policy means
writing its module and adding one line here; nothing registers itself on import.
IDs are never reused: a retired policy's ID stays in `RETIRED` so nobody hands it out
again. See docs/ownership.md for a worked example.
"""

from __future__ import annotations

from types import ModuleType

from policies import (
    lnd001_team_owners,
    lnd002_integrations,
    lnd003_master_data,
    lnd004_personal_data_storage,
    lnd005_personal_data_ingress,
    lnd006_critical_tier,
    lnd007_quotas,
    lnd008_server_size,
    lnd009_image_supply_chain,
    lnd010_plaintext_secrets,
    lnd011_deletion_protection,
    lnd012_dev_limits,
)

POLICIES: dict[str, ModuleType] = {
    "LND001": lnd001_team_owners,
    "LND002": lnd002_integrations,
    "LND003": lnd003_master_data,
    "LND004": lnd004_personal_data_storage,
    "LND005": lnd005_personal_data_ingress,
    "LND006": lnd006_critical_tier,
    "LND007": lnd007_quotas,
    "LND008": lnd008_server_size,
    "LND009": lnd009_image_supply_chain,
    "LND010": lnd010_plaintext_secrets,
    "LND011": lnd011_deletion_protection,
    "LND012": lnd012_dev_limits,
}

# IDs of policies that were removed; never assign them again
RETIRED: frozenset[str] = frozenset()
