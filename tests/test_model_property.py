"""Check and cluster never disagree: for random valid landscapes from the benchmark
generator, with each team's quotas scaled at random, `platform check` reports no quota or
LimitRange error exactly when every rendered namespace fits its own rendered
ResourceQuota and LimitRange, counted from the rendered objects (render/pods.py's
second door, the one that reads what Pulumi applies)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from benchmarks.generate import generate
from platform_cli.evaluate.pipeline import CheckOptions, run_check
from platform_cli.render import pods, render_stack
from tests.test_model import _limit_range, namespaces

QUOTA_RULES = {"LND007", "limit-range"}


def _scale_quotas(root: Path, rng: random.Random) -> None:
    """Shrink some quota values of some teams, so that some landscapes do not fit."""
    for path in sorted((root / "landscape" / "teams").glob("*.yaml")):
        text = path.read_text()

        def shrink(match: re.Match[str]) -> str:
            value = int(match.group(2))
            factor = rng.choice([1, 1, 1, 0.9, 0.7, 0.5])
            return f"{match.group(1)}{max(1, int(value * factor))}{match.group(3)}"

        text = re.sub(r'((?:cpu: "|memory: |storage: ))(\d+)((?:"|Gi))', shrink, text)
        path.write_text(text)


@pytest.mark.parametrize("seed", range(6))
def test_check_passes_exactly_when_every_namespace_fits(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    generate(200 + 100 * (seed % 3), tmp_path, seed)
    if seed:
        _scale_quotas(tmp_path, rng)
    result = run_check(CheckOptions(root=tmp_path))
    other = [f for f in result.findings if f.level.value == "error" and f.rule not in QUOTA_RULES]
    assert other == [], other[:3]
    check_says_fits = not any(f.rule in QUOTA_RULES for f in result.findings)
    misfits = []
    for stack in ("dev", "prod"):
        # Quota errors are the only ones here, and they do not change what renders
        rendered = render_stack(result.landscape, stack).objects
        for ns, entry in namespaces(rendered).items():
            for key in pods.QUOTA_KEYS:
                if entry["peak"].get(key) > entry["quota"].get(key):
                    misfits.append(f"{ns} {key}")
            limits = _limit_range(entry["limits"])
            misfits += [
                f"{d.source} {b.key}" for d in entry["demands"] for b in pods.breaches(d, limits)
            ]
    assert check_says_fits == (misfits == []), (misfits[:5], result.findings[:5])
    if seed == 0:
        assert check_says_fits  # the generator's own quotas fit
