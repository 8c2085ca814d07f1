"""CI's accuracy regression gate: the synthetic protocol of config/remeasure.yaml for MSNet-R18 (seed 0: data, the
appearance pretraining, 3 epochs of fine-tuning, evaluation; about 22 minutes on 2 cores), compared with the committed
reference run (five seeds, results/reference/accuracy.json) by the gate's one-sided t test. With the reference's
measured spread (sd 1.37 over 5 seeds) one run catches a 6.1-point drop with 95 % power; the issue's target, 5
points, needs about ten reference seeds or three runs (docs/training.md). That sensitivity holds only for a run that
draws the reference's own appearance pretraining: the reference's seeds share one, and another machine redraws it (its
bf16 rounding differs); over pretraining draws MSNet-R18's sd is 11.2 (docs/training.md, "The pretraining's draw").
TSM-R18 is re-measured by `snakemake --configfile config/remeasure.yaml` (both rows): a second row does not fit CI.

The reference was trained in bf16 on an AVX-512 BF16 CPU. A CPU without native bf16 (AVX2 only) emulates it 9-15x
slower than fp32 (tools/bf16_step_speed.py): the run (600 pretraining and 900 training steps at 15-16 s each) would
take about seven hours, so there the test is skipped, with the CPU named in the skip's reason, rather than cut off by
CI's limit; an fp32 run would be another configuration, which this bf16 reference cannot judge (docs/training.md,
"bf16 without native support")."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from msnet.core.cpu import cpu_description, native_bf16
from msnet.report.accuracy_gate import check, passed

REPO = Path(__file__).resolve().parents[1]
ROWS = ("msnet-r18_8f",)
SENSITIVITY = 6.5  # points: the largest detectable drop (95 % power, one run) this reference may promise


@pytest.mark.slow
@pytest.mark.skipif(not native_bf16(), reason=f"{cpu_description()} has no native bf16: the reference's bf16 protocol "
                    "runs 9-15x slower than fp32 here (about 7 h, past CI's limit; docs/training.md)")
def test_msnet_accuracy_is_within_the_reference(tmp_path):
    targets = [f"results/remeasure/eval/synthetic/{row}/seed0/1clip.json" for row in ROWS]
    run = subprocess.run([sys.executable, "-m", "snakemake", *targets, "--snakefile", str(REPO / "Snakefile"),
                          "--cores", "2", "--directory", str(tmp_path),
                          "--configfile", str(REPO / "config" / "remeasure.yaml")],
                         capture_output=True, text=True, timeout=3000)
    assert run.returncode == 0, run.stderr[-3000:]
    reference = json.loads((REPO / "results" / "reference" / "accuracy.json").read_text())
    verdicts = check([str(tmp_path / t) for t in targets], reference)
    measured = {v["row"]: v for v in verdicts if v["row"] in ROWS}
    # a drop past the threshold fails; a rise as large is flagged by the gate, not failed (a regression gate is
    # one-sided; measured: a fresh run's own appearance pretraining gave seed 0 84.79 against the reference's 78.92)
    assert all(v["status"] in ("pass", "above reference") for v in measured.values()) and len(measured) == len(ROWS), \
        verdicts
    assert passed(verdicts)
    for row in ROWS:  # a reference rebuilt from noisier runs, or from fewer seeds, fails here
        assert measured[row]["detectable_drop"] <= SENSITIVITY, measured[row]
