"""Table 5's readings are arithmetic on per-module counts: exact only if every counted module scales with its frames
and a convolution with its input channels, which is checked here against direct counts."""

import pytest
import torch
from torch import nn

from msnet.measure.cost import model_cost
from msnet.measure.thop_convention import thop_cost
from msnet.report.claims import load_claims
from msnet.report.measured import Measured
from msnet.report.table5_readings import ADD, BASELINE, CONCAT, DOWNSTREAM, MS_ONLY, MULTIPLY, Parts, table5_lines

SIZE = 112  # the readings' arithmetic does not depend on the input size; a quarter of the 224 cost to count
FUSIONS = {BASELINE: None, ADD: "add", MULTIPLY: "multiply", MS_ONLY: "ms_only", CONCAT: "concat"}


def cost(row, frames=8):
    fusion = FUSIONS[row]
    overrides = {"ms": {"spec": "official", "fusion": fusion}} if fusion else {}
    record = model_cost("tsm_r18" if fusion is None else "msnet_r18", frames=frames, size=SIZE, overrides=overrides)
    return {**record, "row": row}


@pytest.fixture(scope="module")
def records():
    return {row: cost(row) for row in FUSIONS}


def test_as_built_readings_are_the_counted_totals_and_each_row_gets_a_closest_reading(records):
    lines = table5_lines(Measured(list(records.values())), load_claims())
    text = "\n".join(lines)
    for row in (MS_ONLY, CONCAT):
        built = next(line for line in lines if line.startswith(f"| {row} | as built"))
        assert f"| {records[row]['gflops_thop']:.3f} |" in built
        assert sum(line.startswith(f"- **{row}**: closest reading") for line in lines) == 1
    assert text.count("| msnet-r18_8f_concat |") == 4 and text.count("| msnet-r18_8f_ms-only |") == 2


def test_downstream_modules_scale_with_frames_and_convs_with_input_channels(records):
    seven = Parts(cost(MS_ONLY, frames=7))
    eight = Parts(records[MS_ONLY])
    assert seven(*DOWNSTREAM) * 8 == pytest.approx(eight(*DOWNSTREAM) * 7, rel=1e-12)
    narrow, wide = nn.Conv2d(128, 256, 3, stride=2, bias=False), nn.Conv2d(256, 256, 3, stride=2, bias=False)
    x = torch.randn(1, 128, 28, 28)
    assert thop_cost(wide, (torch.cat([x, x], 1),))["flops"] == 2 * thop_cost(narrow, (x,))["flops"]


def test_missing_rows_say_not_counted(records):
    lines = table5_lines(Measured([records[ADD], records[BASELINE]]), load_claims())
    assert len(lines) == 1 and lines[0].startswith("Not counted in this configuration") and MS_ONLY in lines[0]
