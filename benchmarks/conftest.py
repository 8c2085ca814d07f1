"""Benchmark ratios, measured in one run (machines here are noisy: compare ratios, not times).

After the benchmarks, the ratios below are printed and written to ``.benchmarks/ratios.json``.
Targets (from the project's issues) are shown beside them; they are goals, not asserts.
"""

import json
from pathlib import Path

import pytest
import torch

from msnet.core.allocator import keep_freed_memory

RATIOS = {
    # name: (numerator benchmark, denominator benchmark, target, meaning)
    "correlation_speedup_fast_vs_reference": ("test_correlation_forward[reference]", "test_correlation_forward[fast]", ">= 8", "reference / fast forward time"),
    "correlation_fwd_bwd_over_fwd": ("test_correlation_forward_backward[fast]", "test_correlation_forward[fast]", "<= 3", "fast forward+backward / fast forward"),
    "ms_matching_pytorch_over_fused": ("test_ms_matching_forward[pytorch]", "test_ms_matching_forward[fused]", "> 1", "PyTorch correlation + displacement / native kernel, MSNet-R50's res3 module"),
    "ms_module_over_tsm_r50_forward": ("test_ms_module_forward", "test_model_forward[tsm_r50]", "~0.02", "one MS module / a whole TSM-R50 forward (the FLOPs share is about 2 %)"),
    "msnet_r50_over_tsm_r50_latency": ("test_model_forward[msnet_r50]", "test_model_forward[tsm_r50]", "<= 1.03", "CPU forward latency, 8x224x224, batch 1 clip"),
    "msnet_r50_over_tsm_r50_train_step": ("test_model_train_step[msnet_r50]", "test_model_train_step[tsm_r50]", "<= 1.06", "CPU training step, 2 clips x 8x224x224"),
    "loader_ssv1_frames_over_train": ("test_tsm_r18_train_step", "test_loader_batch[ssv1]", ">= 3", "TSM-R18 train step / loader batch, JPEG frames, 8 clips x 8 frames at 64"),
    "loader_ssv2_webm_over_train": ("test_tsm_r18_train_step", "test_loader_batch[ssv2]", ">= 3", "TSM-R18 train step / loader batch, VP9 WebM via decord"),
    "loader_kinetics_mp4_over_train": ("test_tsm_r18_train_step", "test_loader_batch[kinetics]", ">= 3", "TSM-R18 train step / loader batch, H.264 MP4 via decord"),
}  # fmt: skip


@pytest.fixture(autouse=True)
def _threads():
    torch.manual_seed(0)


@pytest.fixture(scope="session", autouse=True)
def _allocator():
    """Time models as the run-time stage does: freed CPU memory kept for reuse (msnet.core.allocator)."""
    return keep_freed_memory()


def pytest_sessionfinish(session, exitstatus):
    bs = getattr(session.config, "_benchmarksession", None)
    if bs is None or not bs.benchmarks:
        return
    medians = {b.name: b.stats.median for b in bs.benchmarks if b.stats}
    out = {"threads": torch.get_num_threads(), "medians_s": medians, "ratios": {}}
    lines = [f"benchmark ratios (torch threads = {torch.get_num_threads()}):"]
    for name, (num, den, target, meaning) in RATIOS.items():
        if num in medians and den in medians:
            value = medians[num] / medians[den]
            out["ratios"][name] = {"value": value, "target": target, "meaning": meaning}
            lines.append(f"  {name}: {value:.3f}  (target {target}; {meaning})")
    Path(".benchmarks").mkdir(exist_ok=True)
    Path(".benchmarks/ratios.json").write_text(json.dumps(out, indent=2))
    print("\n" + "\n".join(lines))
