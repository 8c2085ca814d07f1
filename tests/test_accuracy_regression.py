"""CI's accuracy regression gate: TSM-R18 (seed 0) trained from random weights with the synthetic recipe
(config/remeasure.yaml + config/from-scratch.yaml: data, 3 epochs of training, evaluation; 11-13 minutes on 2
cores), compared with its committed reference (ten seeds, results/reference/from_scratch/accuracy.json) by the gate's
one-sided t test. With the reference's measured spread (sd 0.92 over 10 seeds) one run catches a 3.5-point drop with
95 % power, within the issue's 5 points. The protocol has no appearance pretraining, so the sensitivity holds on any
machine: a run here is one more draw of the kind the reference's seeds are (another CPU's bf16 rounding redraws the
training as a seed does).

Why TSM-R18 and not MSNet-R18 (docs/training.md, "Does the from-scratch gate catch the injected regressions?"): from
scratch MSNet-R18 spreads four times as much (sd 3.57 over ten seeds, in its zooms: a 13.4-point drop per run), and the
injected regressions that fail its row (the learning rate x10, the temporal shift removed) fail TSM-R18's by far more
(-81 and -66 points against -40 and -10); the one only MSNet-R18 has, its displacement zeroed, leaves it TSM-R18 bit for
bit, which no accuracy gate on this benchmark can catch. The MS module's arithmetic is guarded by tests against the
released code's own output (tests/test_official_fixture.py) and by the correlation's and the module's tests. Both rows
are re-measured by `snakemake --configfile config/remeasure.yaml config/from-scratch.yaml`: a second row does not fit
CI. The pretraining stage is not exercised here.

The reference was trained in bf16 on an AVX-512 BF16 CPU. A CPU without native bf16 (AVX2 only) emulates it 9-15x
slower than fp32 (tools/bf16_step_speed.py): the run (900 training steps at 15-16 s each) would take about four hours,
so there the test is skipped, with the CPU named in the skip's reason, rather than cut off by CI's limit; an fp32 run
would be another configuration, which this bf16 reference cannot judge (docs/training.md, "bf16 without native
support")."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from msnet.core.cpu import cpu_description, native_bf16
from msnet.report.accuracy_gate import check, passed

REPO = Path(__file__).resolve().parents[1]
ROWS = ("tsm-r18_8f",)
CONFIGS = ("remeasure.yaml", "from-scratch.yaml")
REFERENCE = REPO / yaml.safe_load((REPO / "config" / CONFIGS[-1]).read_text())["train"]["reference"]
SENSITIVITY = 5.0  # points: the largest detectable drop (95 % power, one run) the issue allows


@pytest.mark.slow
@pytest.mark.skipif(not native_bf16(), reason=f"{cpu_description()} has no native bf16: the reference's bf16 protocol "
                    "runs 9-15x slower than fp32 here (about 4 h, past CI's limit; docs/training.md)")
def test_tsm_accuracy_is_within_the_reference(tmp_path):
    targets = [f"results/from_scratch/eval/synthetic/{row}/seed0/1clip.json" for row in ROWS]
    run = subprocess.run([sys.executable, "-m", "snakemake", *targets, "--snakefile", str(REPO / "Snakefile"),
                          "--cores", "2", "--directory", str(tmp_path),
                          "--configfile", *(str(REPO / "config" / name) for name in CONFIGS)],
                         capture_output=True, text=True, timeout=3000)
    assert run.returncode == 0, run.stderr[-3000:]
    reference = json.loads(REFERENCE.read_text())
    verdicts = check([str(tmp_path / t) for t in targets], reference)
    measured = {v["row"]: v for v in verdicts if v["row"] in ROWS}
    # a drop past the threshold fails; a rise as large is flagged by the gate, not failed (a regression gate is
    # one-sided)
    assert all(v["status"] in ("pass", "above reference") for v in measured.values()) and len(measured) == len(ROWS), \
        verdicts
    assert passed(verdicts)
    for row in ROWS:  # a reference rebuilt from noisier runs, or from fewer seeds, fails here
        assert measured[row]["detectable_drop"] <= SENSITIVITY, measured[row]
