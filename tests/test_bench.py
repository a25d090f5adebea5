"""`python -m core.bench --quick --json` runs and reports its ratios (no timing limits)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _positive(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


@pytest.mark.slow
def test_quick_bench_prints_one_json_line_with_ratios():
    proc = subprocess.run([sys.executable, "-m", "core.bench", "--quick", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stdout[-3000:]
    results = json.loads(lines[0])

    with_transformers = results["transformers"] is not None
    assert set(results["training"]) == {"a", "b"}
    assert set(results["generation"]) == {"b", "c"}
    for section, own_baseline in (("training", "ours_vs_book"),
                                  ("generation", "ours_vs_no_cache")):
        for name, r in results[section].items():
            assert _positive(r["ratios"][own_baseline]), (section, name, r["ratios"])
            vs_hf = r["ratios"]["ours_vs_transformers"]
            assert _positive(vs_hf) if with_transformers else vs_hf is None, (section, name)
            assert _positive(r["tokens_per_s"]["ours"])
    for r in results["training"].values():
        assert _positive(r["mfu"]["ours"])
    assert _positive(results["generation"]["c"]["bandwidth_fraction"])
    # The machine's limits are sampled between the runs; the best sample is used.
    assert results["limit_samples"] > 1
    assert 0 < results["matmul_peak_lowest_flops"] <= results["matmul_peak_flops"]
    assert (0 < results["memory_bandwidth_lowest_bytes_per_s"]
            <= results["memory_bandwidth_bytes_per_s"])

    # generation (c) and its limit at 1 thread and at every core, from a stream that no
    # cache holds, and where a token's time goes
    import os
    assert results["bandwidth_stream_bytes"] >= max(1 << 29, 4 * (results["last_level_cache_bytes"] or 0))
    scan = results["threads_scan"]
    assert [r["threads"] for r in scan] == sorted({1, os.cpu_count() or 1})
    for r in scan:
        for key in ("memory_bandwidth_bytes_per_s", "bandwidth_limit_tokens_per_s", "tokens_per_s",
                    "bandwidth_fraction", "weight_read_ms_at_bandwidth", "profiled_ms_per_token"):
            assert _positive(r[key]), (key, r)
        kinds = r["ms_per_token"]
        assert {"weight products", "attention over the cache", "Python and dispatch"} <= set(kinds)
        assert _positive(kinds["weight products"]) and all(v >= 0 for v in kinds.values())

    verdicts = (True, False) if with_transformers else (True, False, None)
    assert len(results["targets"]) == 7
    for target in results["targets"]:
        assert target["met"] in verdicts, target
        assert _positive(target["value"]) or not with_transformers, target
