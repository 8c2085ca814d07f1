"""The CPU a result records (msnet/core/cpu.py): its name and the instruction sets that change bf16 training."""

import logging

import pytest
import torch

from msnet.core import cpu
from msnet.core.provenance import provenance
from msnet.train.precision import warn_if_emulated


def test_features_are_read_from_the_flags_widest_first(monkeypatch):
    fields = {"model name": "AMD EPYC 9654", "flags": "fpu sse4_2 avx2 avx512f avx512bw avx512_bf16 fma"}
    monkeypatch.setattr(cpu, "_cpuinfo", lambda: fields)
    assert cpu.cpu_features() == ["avx512_bf16", "avx512f", "avx2"]
    assert cpu.cpu_description() == "AMD EPYC 9654 (avx512_bf16, avx512f, avx2)" and cpu.native_bf16()
    monkeypatch.setattr(cpu, "_cpuinfo", lambda: {"model name": "AMD EPYC", "flags": "fpu sse4_2 avx2 fma"})
    assert cpu.cpu_description() == "AMD EPYC (avx2)" and not cpu.native_bf16()
    monkeypatch.setattr(cpu, "_cpuinfo", lambda: {"model name": "Xeon", "flags": "avx2 avx512f"})
    assert not cpu.native_bf16()  # AVX-512 without its BF16 extension still emulates bf16 dot products


def test_without_cpuinfo_the_platform_names_the_cpu(monkeypatch):
    monkeypatch.setattr(cpu, "_cpuinfo", lambda: {})
    assert cpu.cpu_features() == [] and cpu.cpu_description().endswith("(no AVX2)") and not cpu.native_bf16()


@pytest.mark.parametrize("flags, device, precision, warns", [
    ("avx2", "cpu", "bf16", True),
    ("avx2 avx512f avx512_bf16", "cpu", "bf16", False),
    ("avx2", "cpu", "fp32", False),
    ("avx2", "cuda", "bf16", False),
])
def test_emulated_bf16_is_announced_with_the_fp32_setting(monkeypatch, caplog, flags, device, precision, warns):
    monkeypatch.setattr(cpu, "_cpuinfo", lambda: {"model name": "EPYC", "flags": flags})
    with caplog.at_level(logging.WARNING, logger="msnet.train"):
        assert warn_if_emulated(torch.device(device), precision, "recipe precision=fp32") is warns
    assert ("emulated" in caplog.text and "recipe precision=fp32" in caplog.text and "EPYC (avx2)" in caplog.text) \
        is warns


def test_every_result_records_its_cpu():
    assert provenance({"row": "x"})["cpu"] == cpu.cpu_description()
