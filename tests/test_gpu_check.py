"""``python -m msnet.gpu_check`` on the CPU (``--device cpu --quick``): every check runs and passes, the report has
its keys, a check that raises is an ``error`` that stops nothing, and ``--device cuda`` without a GPU exits 2.

The numbers compare the CPU with itself; this tests the script, not CUDA (the script's docstring)."""

import json

import pytest
import torch

from msnet import gpu_check

KEYS = {"command", "created", "device", "torch", "cuda", "cudnn", "git commit", "checks", "passed", "failed",
        "total_seconds", "device_under_test", "note"}


@pytest.fixture(scope="module")
def cpu_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpu_check") / "report.json"
    code = gpu_check.main(["--device", "cpu", "--quick", "--out", str(out)])
    return code, json.loads(out.read_text())


def test_every_check_runs_and_passes_on_the_cpu(cpu_run):
    code, report = cpu_run
    assert [c["name"] for c in report["checks"]] == list(gpu_check.CHECKS)
    assert {c["name"]: c["status"] for c in report["checks"]} == dict.fromkeys(gpu_check.CHECKS, "pass"), [
        c["detail"] for c in report["checks"]]
    assert code == 0 and report["passed"] == len(gpu_check.CHECKS) and report["failed"] == 0
    for check in report["checks"]:
        assert {"name", "status", "seconds", "detail"} <= check.keys()


def test_report_has_its_keys_and_says_it_tested_the_cpu(cpu_run):
    _, report = cpu_run
    assert KEYS <= report.keys()
    assert report["device_under_test"] == "cpu" and "prove nothing about CUDA" in report["note"]
    assert report["command"].startswith("python -m msnet.gpu_check --device cpu --quick --out ")
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["runtime_cuda"]["models"][0]["videos_per_s"] > 0
    assert checks["ms_module_cuda_vs_cpu"]["worst"]["float64 forward and backward vs CPU"]["max_rel_diff"] == 0
    assert checks["tvl1_cuda_vs_cpu"]["mean_epe_difference_px"] == 0  # CPU against CPU: the same computation
    amp = checks["amp_train_step"]
    assert amp["precision"] == "bf16" and amp["steps_taken"] == 3 and amp["parameter_tensors_changed"]
    assert checks["ddp_nccl"]["backend"] == "gloo" and checks["ddp_nccl"]["world_size"] == 2


def test_a_check_that_raises_is_an_error_and_the_others_still_run(tmp_path, monkeypatch):
    def broken(device, sizes):
        raise RuntimeError("deliberately broken")

    monkeypatch.setattr(gpu_check, "check_amp_train_step", broken)
    out = tmp_path / "report.json"
    only = ["ms_module_cuda_vs_cpu", "amp_train_step", "tvl1_cuda_vs_cpu"]  # a check before and after the broken one
    code = gpu_check.main(["--device", "cpu", "--quick", "--out", str(out), *(f"--only={n}" for n in only)])
    report = json.loads(out.read_text())
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert code == 1
    assert statuses == {"ms_module_cuda_vs_cpu": "pass", "amp_train_step": "error", "tvl1_cuda_vs_cpu": "pass"}
    error = report["checks"][1]
    assert "deliberately broken" in error["detail"] and "RuntimeError" in error["traceback"][-1]
    assert report["passed"] == 2 and report["failed"] == 1
    assert not list(tmp_path.glob(".*.tmp"))  # the atomic write left no temporary file


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_a_gpu_exits_2_and_says_how_to_test_on_the_cpu(tmp_path, capsys):
    out = tmp_path / "report.json"
    assert gpu_check.main(["--out", str(out)]) == 2
    message = capsys.readouterr().err
    assert "need a GPU" in message and "--device cpu" in message and "prove nothing about CUDA" in message
    assert not out.exists()
