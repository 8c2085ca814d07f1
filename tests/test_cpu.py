"""The CPU a result records (msnet/core/cpu.py): its name and the instruction sets that change bf16 training."""

from msnet.core import cpu
from msnet.core.provenance import provenance


def test_features_are_read_from_the_flags_widest_first(monkeypatch):
    fields = {"model name": "AMD EPYC 9654", "flags": "fpu sse4_2 avx2 avx512f avx512bw avx512_bf16 fma"}
    monkeypatch.setattr(cpu, "_cpuinfo", lambda: fields)
    assert cpu.cpu_features() == ["avx512_bf16", "avx512f", "avx2"]
    assert cpu.cpu_description() == "AMD EPYC 9654 (avx512_bf16, avx512f, avx2)"
    monkeypatch.setattr(cpu, "_cpuinfo", lambda: {"model name": "AMD EPYC", "flags": "fpu sse4_2 avx2 fma"})
    assert cpu.cpu_description() == "AMD EPYC (avx2)"


def test_without_cpuinfo_the_platform_names_the_cpu(monkeypatch):
    monkeypatch.setattr(cpu, "_cpuinfo", lambda: {})
    assert cpu.cpu_features() == [] and cpu.cpu_description().endswith("(no AVX2)")


def test_every_result_records_its_cpu():
    assert provenance({"row": "x"})["cpu"] == cpu.cpu_description()
