"""The accuracy regression gate and the accuracy table, on results laid out as the workflow writes them."""

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from msnet.cli import main
from msnet.report.accuracy_gate import build_reference, check, gate_markdown, passed
from msnet.report.accuracy_table import accuracy_summary, load_accuracy, load_both
from msnet.report.measured import Measured
from msnet.report.paper_tables import table_frame

RUN = {"model": "msnet_r18", "frames": 8, "overrides": {}, "recipe": {"name": "synthetic", "epochs": 1}, "crop": 64,
       "data": {"source": "synthetic", "lists_sha256": "abc"}, "initialisation": "random", "seconds": 180.0,
       "clips_per_s": 15.0, "last": {"top1": 30.0}, "dataset": "results/x/data/ssv1", "device": "cpu"}


def write_result(base, row, seed, top1, run=RUN, protocol="1clip"):
    train = base / "train" / "synthetic" / row / f"seed{seed}"
    train.mkdir(parents=True, exist_ok=True)
    (train / "train.json").write_text(json.dumps(run))
    path = base / "eval" / "synthetic" / row / f"seed{seed}" / f"{protocol}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"protocol": protocol, "top1": top1, "top5": 90.0, "mean_class_accuracy": top1,
                                "videos": 600, "checkpoint": str(train / "best.pt"), "epoch": 1}))
    return str(path)


@pytest.fixture
def reference(tmp_path):
    values = (33.0, 30.0, 36.0, 32.0, 34.0)  # mean 33, sd 2.236
    paths = [write_result(tmp_path / "ref", "msnet-r18_8f", s, v) for s, v in enumerate(values)]
    return build_reference(paths)


def test_reference_records_the_spread_and_the_gate_sensitivity(reference):
    (entry,) = reference["entries"]
    assert entry["seeds"] == {"0": 33.0, "1": 30.0, "2": 36.0, "3": 32.0, "4": 34.0} and entry["n"] == 5
    assert entry["mean"] == 33.0 and entry["sd"] == pytest.approx(2.24, abs=0.01)
    # t(0.95, 4) = 2.132; threshold = 2.132 * 2.24 (the sd as stored) * sqrt(1 + 1/5) = 5.23 points below the mean
    assert entry["drop_threshold_1run"] == pytest.approx(5.23, abs=0.005)
    assert entry["drop_threshold_1run"] < entry["detectable_drop_1run"]


def test_a_verdict_states_the_numbers_its_reference_file_states(tmp_path):
    # sd 0.8912 is stored as 0.89; from the unrounded sd the detectable drop would be 3.73, from the stored one 3.72:
    # the file and every verdict against it must say the same (the fp32 reference's seeds, issue 15).
    values = (88.46, 87.58, 87.21, 87.92, 88.25, 86.0)
    reference = build_reference([write_result(tmp_path / "ref", "msnet-r18_8f", s, v) for s, v in enumerate(values)])
    (entry,) = reference["entries"]
    (verdict,) = check([write_result(tmp_path / "new", "msnet-r18_8f", 10, 86.0)], reference)
    assert entry["sd"] == 0.89 and entry["detectable_drop_1run"] == verdict["detectable_drop"] == 3.72
    assert entry["drop_threshold_1run"] == verdict["threshold"]


def test_a_row_not_run_states_what_a_run_would_be_judged_by(tmp_path):
    # An older file (the bf16 reference) stores TSM-R18's 1-run fields from the unrounded sd (5.31 / 10.13) while the
    # test computes 5.3 / 10.11 from the stored 2.27: a report must not print both for the same row.
    reference = json.loads((Path(__file__).resolve().parents[1] / "results/reference/accuracy.json").read_text())
    stored = {e["row"]: e for e in reference["entries"]}["tsm-r18_8f"]
    assert (stored["drop_threshold_1run"], stored["detectable_drop_1run"]) == (5.31, 10.13)
    def tsm_verdict(row_run: str) -> dict:
        verdicts = check([write_result(tmp_path / row_run, row_run, 10, 80.0)], reference)
        return next(v for v in verdicts if v["row"] == "tsm-r18_8f")

    judged, shown = tsm_verdict("tsm-r18_8f"), tsm_verdict("msnet-r18_8f")
    assert shown["status"] == "not run" and judged["status"] != "not run"
    assert (shown["threshold"], shown["detectable_drop"]) == (judged["threshold"], judged["detectable_drop"]) == (5.3, 10.11)


def test_a_drop_beyond_the_threshold_fails_and_noise_passes(reference, tmp_path):
    ok = check([write_result(tmp_path / "a", "msnet-r18_8f", 0, 29.0)], reference)
    assert [v["status"] for v in ok] == ["pass"] and ok[0]["delta"] == -4.0 and passed(ok)
    # compared with the mean (33), not with seed 1's own 30: the same seed after a code change is another draw
    assert ok[0]["reference"] == 33.0 and ok[0]["reference_n"] == 5
    bad = check([write_result(tmp_path / "b", "msnet-r18_8f", 0, 27.0)], reference)  # e.g. a broken MS module
    assert [v["status"] for v in bad] == ["FAIL"] and not passed(bad)
    high = check([write_result(tmp_path / "h", "msnet-r18_8f", 0, 40.0)], reference)
    assert [v["status"] for v in high] == ["above reference"] and passed(high)


def test_more_runs_tighten_the_threshold(reference, tmp_path):
    runs = [write_result(tmp_path / "m", "msnet-r18_8f", s, 28.5) for s in range(3)]  # mean 4.5 below
    (one,) = check(runs[:1], reference)
    (three,) = check(runs, reference)
    assert one["status"] == "pass" and three["status"] == "FAIL"
    assert three["threshold"] < one["threshold"] and three["detectable_drop"] < one["detectable_drop"]


def test_a_different_configuration_is_not_compared_silently(reference, tmp_path):
    other = {**RUN, "crop": 96}
    verdicts = check([write_result(tmp_path / "c", "msnet-r18_8f", 0, 33.0, run=other)], reference)
    assert verdicts[0]["status"] == "config differs" and not passed(verdicts)


def test_pretrained_weights_are_compared_by_how_they_were_made(tmp_path):
    made = {**RUN, "initialisation": "results/default/pretrain/resnet18.pth", "pretrained_spec": "abc"}
    reference = build_reference([write_result(tmp_path / "r", "tsm-r18_8f", s, 80.0 + s, run=made) for s in range(3)])
    moved = {**made, "initialisation": "/elsewhere/results/ci/pretrain/resnet18.pth"}
    assert check([write_result(tmp_path / "x", "tsm-r18_8f", 0, 81.0, run=moved)], reference)[0]["status"] == "pass"
    remade = {**made, "pretrained_spec": "def"}
    verdict = check([write_result(tmp_path / "y", "tsm-r18_8f", 0, 81.0, run=remade)], reference)[0]
    assert verdict["status"] == "config differs"


def test_per_seed_pretraining_runs_make_one_reference_entry(tmp_path):
    """Each seed from its own pretraining draw (the recorded spec hash leaves the seed out): one entry of n seeds."""
    draw = {**RUN, "initialisation": "results/x/pretrain/resnet18-seed0.pth", "pretrained_spec": "per-seed-abc"}
    reference = build_reference([write_result(tmp_path / "r", "tsm-r18_8f", s, 80.0 + s,
                                              run={**draw, "pretrained_seed": s}) for s in range(3)])
    assert [(e["n"], e["pretraining_draws"]) for e in reference["entries"]] == [(3, 3)]
    fresh = {**draw, "pretrained_seed": 7}
    verdicts = check([write_result(tmp_path / "x", "tsm-r18_8f", 7, 81.0, run=fresh)], reference)
    assert verdicts[0]["status"] == "pass" and "Caution" not in gate_markdown(verdicts, "ref.json", reference)
    shared = build_reference([write_result(tmp_path / "s", "tsm-r18_8f", s, 80.0 + s, run={**draw, "pretrained_seed": 0})
                              for s in range(3)])
    assert shared["entries"][0]["pretraining_draws"] == 1
    assert "Caution (tsm-r18_8f)" in gate_markdown(check([write_result(tmp_path / "y", "tsm-r18_8f", 0, 81.0, run=fresh)],
                                                         shared), "ref.json", shared)


def test_a_reference_from_random_weights_draws_no_pretraining(tmp_path):
    """Runs from random weights (config/from-scratch.yaml): no pretraining draw to leave out (recorded as 0 draws),
    so no caution; pretrained runs made before the pretraining's seed was recorded keep it."""
    reference = build_reference([write_result(tmp_path / "r", "msnet-r18_8f", s, 80.0 + s) for s in range(3)])
    assert reference["entries"][0]["pretraining_draws"] == 0
    verdicts = check([write_result(tmp_path / "x", "msnet-r18_8f", 9, 81.0)], reference)
    assert verdicts[0]["status"] == "pass" and "Caution" not in gate_markdown(verdicts, "ref.json", reference)
    unknown = {**RUN, "initialisation": "results/x/pretrain/resnet18.pth", "pretrained_spec": "abc"}  # no seed
    unrecorded = build_reference([write_result(tmp_path / "u", "msnet-r18_8f", s, 80.0 + s, run=unknown)
                                  for s in range(3)])
    assert unrecorded["entries"][0]["pretraining_draws"] is None
    fresh = write_result(tmp_path / "y", "msnet-r18_8f", 9, 81.0, run=unknown)
    assert "Caution (msnet-r18_8f)" in gate_markdown(check([fresh], unrecorded), "ref.json", unrecorded)


def test_a_run_on_another_cpu_is_named_as_another_draw(tmp_path):
    """The reference records the CPUs its runs trained on; a run on a CPU outside them is compared as usual and the
    report names both (bf16 differs with and without AVX-512 BF16); a run on the reference's CPU gets no note."""
    avx512, avx2 = "AMD EPYC (avx512_bf16, avx512f, avx2)", "AMD EPYC (avx2)"
    reference = build_reference([write_result(tmp_path / "r", "msnet-r18_8f", s, 80.0 + s,
                                              run={**RUN, "provenance": {"cpu": avx512}}) for s in range(3)])
    assert reference["entries"][0]["cpus"] == [avx512]
    on_avx2 = write_result(tmp_path / "x", "msnet-r18_8f", 9, 81.0, run={**RUN, "provenance": {"cpu": avx2}})
    elsewhere = check([on_avx2], reference)
    assert elsewhere[0]["status"] == "pass" and elsewhere[0]["cpus"] == [avx2]
    assert f"Another machine (msnet-r18_8f): trained on {avx2}; the reference on {avx512}." in \
        gate_markdown(elsewhere, "ref.json", reference)
    here = check([write_result(tmp_path / "y", "msnet-r18_8f", 9, 81.0, run={**RUN, "provenance": {"cpu": avx512}})],
                 reference)
    assert "Another machine" not in gate_markdown(here, "ref.json", reference)
    unrecorded = build_reference([write_result(tmp_path / "u", "msnet-r18_8f", s, 80.0 + s) for s in range(3)])
    assert "the reference on not recorded" in gate_markdown(check([on_avx2], unrecorded), "ref.json", unrecorded)


def test_nothing_compared_fails_and_unreferenced_rows_are_listed(reference, tmp_path):
    verdicts = check([write_result(tmp_path / "d", "tsm-r18_8f", 0, 12.0)], reference)
    assert {v["status"] for v in verdicts} == {"no reference", "not run"} and not passed(verdicts)


def test_a_reference_needs_three_seeds(tmp_path):
    with pytest.raises(ValueError, match="at least three seeds"):
        build_reference([write_result(tmp_path, "tsm-r18_8f", s, 12.0 + s) for s in range(2)])


def test_updating_a_reference_replaces_only_the_rows_remeasured(reference, tmp_path):
    ref = tmp_path / "reference.json"
    other = build_reference([write_result(tmp_path / "t", "tsm-r18_8f", s, v) for s, v in enumerate((12.0, 14.0, 13.0))])
    ref.write_text(json.dumps(other))
    rows = [write_result(tmp_path / "u", "msnet-r18_8f", s, v) for s, v in enumerate((40.0, 44.0, 42.0))]
    assert main(["gate", "--write-reference", "--update", "--results", *rows, "--reference", str(ref)]) == 0
    entries = {e["row"]: e for e in json.loads(ref.read_text())["entries"]}
    assert entries["msnet-r18_8f"]["mean"] == 42.0 and entries["tsm-r18_8f"]["mean"] == 13.0
    assert entries["tsm-r18_8f"]["provenance"] == other["provenance"]  # kept with what it was made with


def test_gate_command_exit_code(reference, tmp_path):
    ref = tmp_path / "reference.json"
    ref.write_text(json.dumps(reference))
    good = write_result(tmp_path / "e", "msnet-r18_8f", 1, 31.0)
    assert main(["gate", "--results", good, "--reference", str(ref), "--out", str(tmp_path / "gate.md")]) == 0
    text = (tmp_path / "gate.md").read_text()
    assert "**PASSED**" in text and "detectable drop" in text
    bad = write_result(tmp_path / "f", "msnet-r18_8f", 1, 6.0)
    assert main(["gate", "--results", bad, "--reference", str(ref)]) == 1


def test_accuracy_table_aggregates_seeds(tmp_path):
    paths = [write_result(tmp_path, "msnet-r18_8f", s, v) for s, v in ((0, 33.0), (1, 30.0), (2, 36.0))]
    summary = accuracy_summary(load_accuracy(paths), claims={"tables": {"t3": {"rows": [
        {"id": "msnet-r18_8f", "values": {"ssv1_top1": 45.5}}]}}})
    row = summary.iloc[0]
    # mean 33, sd 3, t(0.975, 2) = 4.303 -> 33 +- 7.45
    assert row["top1"] == "33.0 [25.5, 40.5] n=3" and row["top1_per_seed"] == "33.0 / 30.0 / 36.0" and row["seeds"] == 3
    assert row["status"] == "measured on synthetic" and row["paper"] == "45.5 (real ssv1; not comparable)"
    assert row["source"] == "this run" and row["learned"] == ""  # no class count in these results: chance unknown


def test_this_run_is_checked_against_the_reference_run(tmp_path):
    reference = [write_result(tmp_path / "ref", "msnet-r18_8f", s, v) for s, v in enumerate((80.0, 81.0, 79.0, 80.5))]
    inside = write_result(tmp_path / "now", "msnet-r18_8f", 0, 79.5)
    outside = write_result(tmp_path / "low", "msnet-r18_8f", 0, 70.0)
    for path, expected in ((inside, "inside"), (outside, "**outside** (below)")):
        summary = accuracy_summary(load_both([path], reference))
        line = summary[summary["source"] == "this run"].iloc[0]
        assert line["vs_reference"].startswith(expected)
        ref = summary[summary["source"] != "this run"].iloc[0]
        assert ref["source"].startswith("reference run (commit") and ref["seeds"] == 4


def test_paper_tables_show_synthetic_accuracy_from_the_experiment_covering_the_table(tmp_path):
    def result(experiment, row, seed, top1):
        base = tmp_path / experiment
        path = write_result(base, row, seed, top1)  # laid out under eval/synthetic/; renamed to the experiment
        for kind in ("eval", "train"):
            if experiment != "synthetic" and (base / kind / "synthetic").exists():
                (base / kind / "synthetic").rename(base / kind / experiment)
        return path.replace("/eval/synthetic/", f"/eval/{experiment}/")

    paths = [result("synthetic", "tsm-r18_8f", 0, 15.0), result("synthetic", "msnet-r18_8f", 0, 40.0),
             result("synthetic", "msnet-r18_8f", 1, 44.0), result("twostream", "msnet-r18_8f", 0, 9.0)]
    table = {"columns": ["frames", "ssv1_top1"], "rows": [
        {"id": "tsm-r18_8f", "values": {"ssv1_top1": 42.8}}, {"id": "msnet-r18_8f", "values": {"ssv1_top1": 45.5}},
        {"id": "msnet-r18_8f_p7", "values": {"ssv1_top1": 44.0}}]}
    frame = table_frame(table, Measured([]), accuracy_summary(load_accuracy(paths))).set_index("row")
    column = "ssv1_top1 ours (synthetic benchmark, not comparable)"  # the header says so, not only the status
    assert frame.loc["msnet-r18_8f", column].startswith("42.0 [")  # 'synthetic' covers two of the rows
    assert "ssv1_top1 measured on synthetic (this run, experiment synthetic, 1clip, 2 seed(s)" in frame.loc["msnet-r18_8f", "status"]
    assert frame.loc["tsm-r18_8f", column] == "15.0 n=1"
    assert frame.loc["msnet-r18_8f_p7", column] == "not run"
    assert "needs Something-Something V1" in frame.loc["msnet-r18_8f_p7", "status"]


def test_audit_compares_accuracy_of_the_two_ms_specs_only_when_both_were_trained(tmp_path):
    from msnet.report.audit import _spec_accuracy

    official = [write_result(tmp_path / "o", "msnet-r18_8f", s, v) for s, v in ((0, 40.0), (1, 44.0))]
    assert "not measured" in _spec_accuracy(official)[0] and "official" in _spec_accuracy(official)[0]
    paper_run = {**RUN, "overrides": {"ms": {"spec": "paper"}}}
    paper = [write_result(tmp_path / "p", "msnet-r18_8f_paper", s, v, run=paper_run) for s, v in ((0, 30.0), (1, 34.0))]
    text = "\n".join(_spec_accuracy(official + paper))
    assert re.search(r"\|\s*paper\s*\|\s*32\s*\|", text) and re.search(r"\|\s*official\s*\|\s*42\s*\|", text)


def _reference_study(tmp_path, values: dict[str, list[float]]) -> list[str]:
    """A reference run laid out as results/reference/study is, with 16 classes (chance 6.25 %)."""
    paths = []
    for row, seq in values.items():
        for seed, top1 in enumerate(seq):
            path = write_result(tmp_path / "study", row, seed, top1)
            result = json.loads(Path(path).read_text())
            result.update(per_class={str(c): top1 for c in range(16)},
                          provenance={"git_commit": "abc1234def", "created": "2026-12-01T10:00:00+00:00"})
            Path(path).write_text(json.dumps(result))
            paths.append(path)
    return paths


def test_audit_gives_synthetic_analogue_verdicts_in_their_own_column(tmp_path):
    from msnet.report.audit import audit_markdown
    from msnet.report.claims import load_claims

    reference = _reference_study(tmp_path, {"tsn-r18_8f": [6.0, 7.0, 6.5], "tsm-r18_8f": [70.0, 72.0, 71.0],
                                            "msnet-r18_8f": [80.0, 81.0, 80.5]})
    text = audit_markdown(load_claims(), Measured([]), accuracy=[], reference_accuracy=reference)
    header = next(line for line in text.splitlines() if line.startswith("| claim |") and "synthetic analogue" in line)
    assert header.endswith("| synthetic analogue |")
    ordering = next(line for line in text.splitlines() if line.startswith("| `table1_ordering`"))
    assert "**holds on synthetic**" in ordering and "tsn-r18_8f < tsm-r18_8f < msnet-r18_8f" in ordering
    gain = next(line for line in text.splitlines() if line.startswith("| `msnet_gain_over_tsm_ssv1`"))
    assert "**not testable yet**" in gain and "**holds on synthetic**" in gain  # never merged with the real verdict
    assert "msnet-r18_8f - tsm-r18_8f = +9.5 [" in gain and "n=3" in gain
    patch = next(line for line in text.splitlines() if line.startswith("| `patch_size_saturates_after_p15`"))
    assert "**not run**" in patch
    assert "reference run (commit abc1234, 2026-12-01)" in text
    assert "did not learn" not in text.split("## Accuracy of the trained rows")[0]


def test_audit_judges_the_from_scratch_runs_in_a_column_of_their_own(tmp_path):
    """train.reference_from_scratch: a second analogue column from another protocol's runs, with its own verdicts
    and counts; the study's column is judged from the study's seeds alone."""
    from msnet.report.audit import audit_markdown
    from msnet.report.claims import load_claims

    study = _reference_study(tmp_path / "study", {"tsn-r18_8f": [6.0, 7.0, 6.5], "tsm-r18_8f": [70.0, 72.0, 71.0],
                                                  "msnet-r18_8f": [80.0, 81.0, 80.5]})
    scratch = _reference_study(tmp_path / "scratch", {"tsm-r18_8f": [88.0, 89.0, 87.0],
                                                      "msnet-r18_8f": [80.0, 95.0, 84.0]})
    text = audit_markdown(load_claims(), Measured([]), accuracy=[], reference_accuracy=study,
                          reference_from_scratch=scratch)
    header = next(line for line in text.splitlines() if line.startswith("| claim |") and "synthetic analogue" in line)
    assert header.endswith("| synthetic analogue | synthetic analogue, from random weights |")
    gain = next(line for line in text.splitlines() if line.startswith("| `msnet_gain_over_tsm_ssv1`"))
    study_cell, scratch_cell = gain.split(" | ")[-2:]
    assert "**holds on synthetic**" in study_cell and "+9.5 [" in study_cell
    assert "**inconclusive**" in scratch_cell and "msnet-r18_8f - tsm-r18_8f = -1.7 [" in scratch_cell
    ordering = next(line for line in text.splitlines() if line.startswith("| `table1_ordering`"))
    cells = [cell.strip() for cell in ordering.strip(" |").split("|")]  # claim, source, text, 2 specs, 2 columns
    assert len(cells) == 7 and "**holds on synthetic**" in cells[-2]
    assert "**not run**" in cells[-1] and "tsn-r18_8f" in cells[-1]  # no TSN-R18 among these runs
    assert "**Synthetic analogue:**" in text and "**Synthetic analogue, from random weights:**" in text
    without = audit_markdown(load_claims(), Measured([]), accuracy=[], reference_accuracy=study)
    assert "from random weights" not in without


def test_figures_draw_synthetic_accuracy_panels_labelled_as_such(tmp_path):
    from msnet.report.accuracy_table import load_both
    from msnet.report.claims import load_claims
    from msnet.report.figures import fig4, fig5

    reference = _reference_study(tmp_path, {"msnet-r18_8f": [80.0, 81.0, 80.5], "msnet-r18_8f_p3": [70.0, 71.0, 70.2],
                                            "tsm-r18_8f": [70.0, 72.0, 71.0], "tsn-r18_8f": [6.0, 7.0, 6.5],
                                            "msnet-tsn-r18_8f": [50.0, 52.0, 51.0]})
    frame = load_both([], reference)
    four = fig4(load_claims(), Measured([]), frame)
    assert len(four.axes) == 2 and "SYNTHETIC" in four.axes[1].get_ylabel()
    five = fig5(load_claims(), Measured([]), frame)
    assert len(five.axes) == 2 and "SYNTHETIC" in five.axes[1].get_title()
    assert len(fig4(load_claims(), Measured([]), None).axes) == 1  # nothing trained: the cost panel alone


def test_accuracy_report_lists_paired_differences_against_the_baseline(tmp_path):
    from msnet.report.accuracy_table import accuracy_markdown

    reference = _reference_study(tmp_path, {"tsm-r18_8f": [70.0, 72.0, 71.0], "msnet-r18_8f": [80.0, 81.0, 80.5],
                                            "tsn-r18_8f": [6.0, 7.0, 6.5]})
    text = accuracy_markdown(load_both([], reference))
    assert "Paired differences in synthetic" in text
    assert re.search(r"\|\s*msnet-r18_8f\s*\|\s*tsm-r18_8f\s*\|\s*\+9\.5 \[[0-9.]+, [0-9.]+\] n=3\s*\|\s*higher", text)
    assert re.search(r"\|\s*tsn-r18_8f\s*\|\s*tsm-r18_8f\s*\|\s*-64\.5 .*\|\s*lower", text)
    assert "no: interval overlaps chance (6.25 %)" in text  # TSN at chance says it did not learn


def test_a_reference_from_an_older_harness_is_refused_by_name(reference, tmp_path):
    old = {**reference, "entries": [{k: v for k, v in e.items() if k not in ("n", "sd")} for e in reference["entries"]]}
    with pytest.raises(ValueError, match="synthetic/msnet-r18_8f/1clip .*--write-reference"):
        check([write_result(tmp_path / "o", "msnet-r18_8f", 0, 33.0)], old)


def test_rows_from_different_pretraining_draws_are_listed_as_not_paired():
    from msnet.report.accuracy_table import paired_differences

    lines = [{"source": "this run", "experiment": "synthetic", "row": row, "seed": seed, "protocol": "1clip",
              "ensemble": False, "top1": 70.0 + seed, "pretrained_seed": seed if row == "msnet-r18_8f" else 0}
             for row in ("tsm-r18_8f", "msnet-r18_8f") for seed in range(3)]
    (line,) = paired_differences(pd.DataFrame(lines)).to_dict("records")
    assert line["difference"] == "not paired" and "seed(s) [1, 2]" in line["verdict"]


def test_an_accuracy_report_without_results_says_so(tmp_path):
    """`python -m msnet report accuracy` with no result files (a profile that trains nothing and names no reference
    run, or `--results` left out) writes a report that says so instead of failing inside pandas."""
    from msnet.cli import main

    assert main(["report", "accuracy", "--results", "--out", str(tmp_path)]) == 0
    assert "No evaluation results" in (tmp_path / "accuracy.md").read_text()
