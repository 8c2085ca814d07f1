"""CI's accuracy regression gate: re-run the default config's synthetic training of MSNet-R18 (seed 0) and compare
it with the committed reference (results/reference/accuracy.json; tolerance from seed-to-seed variation).

Only the MSNet row runs here (about 5 minutes on 2 cores: data generation, preparation, one training epoch,
evaluation) to keep CI within its budget; `snakemake reports/default/accuracy_gate.md` gates every row
(docs/training.md, and the GitHub Actions recipe in .github/workflows/accuracy-gate.yml)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from msnet.report.accuracy_gate import check, passed

REPO = Path(__file__).resolve().parents[1]
ROW = "results/default/eval/synthetic/msnet-r18_8f/seed0/1clip.json"


@pytest.mark.slow
def test_msnet_accuracy_on_the_default_config_is_within_the_reference(tmp_path):
    run = subprocess.run([sys.executable, "-m", "snakemake", ROW, "--snakefile", str(REPO / "Snakefile"), "--cores", "2",
                          "--directory", str(tmp_path), "--configfile", str(REPO / "config.yaml")],
                         capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stderr[-3000:]
    reference = json.loads((REPO / "results" / "reference" / "accuracy.json").read_text())
    verdicts = check([str(tmp_path / ROW)], reference)
    measured = [v for v in verdicts if v["row"] == "msnet-r18_8f" and v["seed"] == 0]
    assert [v["status"] for v in measured] == ["pass"], verdicts
    assert passed(verdicts)
