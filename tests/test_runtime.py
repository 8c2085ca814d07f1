"""The run-time stage: protocol fields, devices, training mode, and speed verdicts in the audit."""

import json

import pytest
import torch

from msnet.cli import main
from msnet.measure.memory import peak_memory
from msnet.core.device import pick_device
from msnet.measure.runtime import measure_runtime
from msnet.report.audit import judge
from msnet.report.claims import load_claims
from msnet.report.measured import Measured


def test_inference_protocol_reports_median_spread_and_videos_per_second():
    r = measure_runtime("msnet_r18", frames=4, size=32, warmup=1, runs=3, device="cpu")
    assert r["device"] == "cpu" and r["threads"] == torch.get_num_threads() and r["runs"] == 3
    assert len(r["times_ms"]) == 3
    assert r["min_ms"] <= r["p10_ms"] <= r["median_ms"] <= r["p90_ms"] <= r["max_ms"]
    assert r["videos_per_s"] == pytest.approx(1000 / r["median_ms"])
    assert "includes_flow_extraction" not in r


def test_training_step_mode_and_batch():
    r = measure_runtime("tsm_r18", frames=2, size=32, batch=2, warmup=0, runs=1, device="cpu", mode="train")
    assert r["mode"] == "train" and r["batch"] == 2 and r["peak_memory_mb"] > 0
    assert r["videos_per_s"] == pytest.approx(2000 / r["median_ms"])


@pytest.mark.skipif(peak_memory(lambda: None) is None, reason="needs glibc's mallinfo2")
def test_step_memory_counts_what_a_call_allocates():
    def allocate_64_mb():
        block = torch.ones(16 * 2**20)  # 64 MiB of float32, freed on return
        return float(block[0])

    measured = peak_memory(allocate_64_mb)
    assert measured["added_mb"] == pytest.approx(64, abs=4)


@pytest.mark.skipif(peak_memory(lambda: None) is None, reason="needs glibc's mallinfo2")
def test_training_step_memory_of_both_models_and_their_ratio():
    r = measure_runtime("msnet_r18", frames=2, size=32, batch=2, warmup=1, runs=1, device="cpu", mode="train",
                        reference=("tsm_r18", 2))
    ours, theirs = r["step_memory"], r["reference_step_memory"]
    # state: parameters + momentum (float32), so about 2 x 4 bytes x 11.3 M parameters for ResNet-18
    assert theirs["state_mb"] == pytest.approx(2 * 4 * 11.2e6 / 2**20, rel=0.05)
    assert ours["state_mb"] > theirs["state_mb"] and ours["step_added_mb"] > 0
    assert r["step_memory_vs_reference"] == pytest.approx(ours["peak_mb"] / theirs["peak_mb"])


def test_two_stream_time_includes_tvl1_for_its_flow_fields():
    r = measure_runtime("twostream_tsm_r18", frames=2, size=32, warmup=0, runs=1, device="cpu",
                        overrides={"flow_length": 2}, flow_sample=3)
    assert r["includes_flow_extraction"] is True
    assert r["tvl1_pairs_per_clip"] == 4 and r["tvl1_pairs_timed"] == 3 and r["tvl1_extrapolated"]
    assert r["median_ms"] == pytest.approx(r["network_median_ms"] + r["tvl1_ms_per_clip"])
    assert r["tvl1_ms_per_clip"] == pytest.approx(4 * r["tvl1_ms_per_pair"])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown on machines without CUDA")
def test_cuda_without_a_gpu_is_a_clear_error_and_auto_falls_back():
    with pytest.raises(ValueError, match="no CUDA device"):
        pick_device("cuda")
    assert pick_device("auto").type == "cpu"


def test_cli_runtime_json(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["runtime", "tsn_r18", "--frames", "2", "--size", "32", "--runs", "2", "--warmup", "0", "--row", "x", "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    for key in ("model", "frames", "device", "videos_per_s", "median_ms", "device_name", "provenance"):
        assert key in printed
    assert printed == json.loads(out.read_text())


def _runtime(row, model, videos_per_s, device="cpu", **extra):
    return {"row": row, "model": model, "median_ms": 1000 / videos_per_s, "videos_per_s": videos_per_s,
            "device": device, "device_name": f"test {device}", "overrides": {}, **extra}  # fmt: skip


def test_gpu_speed_claims_measured_on_cpu_are_not_testable_here():
    claims = load_claims()
    claim = next(c for c in claims["claims"] if c["id"] == "speed_4x_vs_repflow_r50")
    cpu = Measured([_runtime("msnet-r50_16f", "msnet_r50", 4.0), _runtime("repflow-r50_32f", "repflow_r50", 1.0)])
    v = judge(claim, claims, cpu)
    assert v.verdict == "not testable here" and v.measured == pytest.approx(4.0)
    gpu = Measured([_runtime("msnet-r50_16f", "msnet_r50", 40.0, "cuda"), _runtime("repflow-r50_32f", "repflow_r50", 4.0, "cuda")])
    assert judge(claim, claims, gpu).verdict == "not reproduced"  # 10x, not about 4x


def test_two_stream_speed_claim_needs_tvl1_timing():
    claims = load_claims()
    claim = next(c for c in claims["claims"] if c["id"] == "speed_160x_vs_twostream")
    gpu = Measured(
        [
            _runtime("msnet-r50_16f", "msnet_r50", 32.0, "cuda"),
            _runtime("twostream-r50_32+32", "twostream_tsm_r50", 0.2, "cuda", includes_flow_extraction=False),
        ]
    )
    v = judge(claim, claims, gpu)
    assert v.verdict == "not testable here" and "TV-L1" in v.detail
