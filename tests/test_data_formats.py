"""Provider formats: the synthetic benchmark written as each provider ships it passes through prepare unchanged."""

import csv
import json

import pytest

from msnet.data.formats import class_index
from msnet.data.motion_classes import class_names
from msnet.data.prepare import prepare, read_list


def test_ssv1_files_look_like_the_provider_s(synthetic_roots):
    root = synthetic_roots["ssv1"]
    labels = (root / "something-something-v1-labels.csv").read_text().splitlines()
    assert labels == class_names()  # one name per line, provider (unsorted) order
    first = (root / "something-something-v1-train.csv").read_text().splitlines()[0]
    key, name = first.split(";")
    assert key.isdigit() and name in labels
    frames = sorted(p.name for p in (root / "20bn-something-something-v1" / key).iterdir())
    assert frames[0] == "00001.jpg" and len(frames) == 10


def test_ssv2_labels_json_is_sorted_with_string_indices_and_lists_carry_templates(synthetic_roots):
    labels = json.loads((synthetic_roots["ssv2"] / "labels/something-something-v2-labels.json").read_text())
    assert list(labels) == sorted(labels) and all(isinstance(v, str) for v in labels.values())
    item = json.loads((synthetic_roots["ssv2"] / "labels/something-something-v2-train.json").read_text())[0]
    assert set(item) == {"id", "label", "template", "placeholders"} and "[something]" in item["template"]
    assert (synthetic_roots["ssv2"] / "20bn-something-something-v2" / f"{item['id']}.webm").is_file()


def test_kinetics_csv_has_the_header_and_clip_names(synthetic_roots):
    path = synthetic_roots["kinetics"] / "kinetics400/annotations/train.csv"
    rows = list(csv.DictReader(path.open()))
    assert list(rows[0]) == ["label", "youtube_id", "time_start", "time_end", "split"]
    r = rows[0]
    name = f"{r['youtube_id']}_{int(r['time_start']):06d}_{int(r['time_end']):06d}.mp4"
    assert len(r["youtube_id"]) == 11 and (synthetic_roots["kinetics"] / "kinetics400/train" / name).is_file()


def test_hmdb51_split_files_use_codes_1_and_2_for_three_splits(synthetic_roots):
    folder = synthetic_roots["hmdb51"] / "hmdb51/testTrainMulti_7030_splits"
    assert len(list(folder.glob("*_test_split*.txt"))) == 16 * 3
    codes = [line.split()[1] for f in folder.glob("*_test_split2.txt") for line in f.read_text().splitlines()]
    assert set(codes) == {"1", "2"} and codes.count("2") > 0


@pytest.mark.parametrize("dataset", ["ssv1", "ssv2", "kinetics", "hmdb51"])
def test_prepare_lists_every_video_with_its_frame_count_and_sorted_class_index(dataset, prepared, synthetic_roots):
    summary = json.loads((prepared[dataset] / "summary.json").read_text())
    assert summary["splits"]["train"]["listed"] + summary["splits"]["val"]["listed"] == 40
    assert summary["skipped"] == 0 and all(s["missing"] == 0 for s in summary["splits"].values())
    classes = [line.split(" ", 1)[1] for line in (prepared[dataset] / "classes.txt").read_text().splitlines()]
    assert classes == sorted(classes)
    for split in ("train", "val"):
        rows = read_list(prepared[dataset] / f"{split}.txt")
        assert rows and all(n == 10 for _, n, _ in rows)
    ground_truth = {r["key"]: r for r in csv.DictReader((synthetic_roots[dataset] / "ground_truth/videos.csv").open())}
    # Labels agree with the generator's classes through the provider's names and the sorted convention.
    names = sorted(set(r["class"] for r in ground_truth.values()))
    assert len(names) == 16


def test_class_order_conventions_differ_on_ssv1_and_agree_on_ssv2(synthetic_roots, tmp_path):
    provider = prepare("ssv1", synthetic_roots["ssv1"], tmp_path / "p", class_order="provider", progress=False)
    assert provider["class_order"] == "provider"
    sorted_lines = (tmp_path / "p" / "classes.txt").read_text().splitlines()
    assert [line.split(" ", 1)[1] for line in sorted_lines] == class_names()
    names = class_names()
    assert class_index(names, "sorted") != class_index(names, "provider")
    ssv2 = sorted(json.loads((synthetic_roots["ssv2"] / "labels/something-something-v2-labels.json").read_text()))
    assert class_index(ssv2, "sorted") == class_index(ssv2, "provider")


def test_hmdb51_split_number_selects_other_test_videos(synthetic_roots, tmp_path):
    one = prepare("hmdb51", synthetic_roots["hmdb51"], tmp_path / "1", hmdb_split=1, progress=False)
    two = prepare("hmdb51", synthetic_roots["hmdb51"], tmp_path / "2", hmdb_split=2, progress=False)
    assert one["splits"]["val"]["listed"] and two["splits"]["val"]["listed"]
    assert (tmp_path / "1/listed/val.txt").read_text() != (tmp_path / "2/listed/val.txt").read_text()
