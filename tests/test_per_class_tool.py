"""tools/per_class.py: per-class values of groups of evaluation files, and the paired difference by seed."""

import importlib.util
import json

import pytest

from conftest import REPO

SPEC = importlib.util.spec_from_file_location("per_class", REPO / "tools/per_class.py")
per_class = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(per_class)


def evaluation(folder, name, seed, per_class):
    path = folder / f"{name}.json"
    top1 = sum(per_class.values()) / len(per_class)
    path.write_text(json.dumps({"seed": seed, "top1": top1, "per_class": per_class}))
    return str(path)


def run(*arguments):
    per_class.main(list(arguments))


def refused(*arguments) -> str:
    with pytest.raises(SystemExit) as exit:
        run(*arguments)
    return str(exit.value)


def test_groups_are_summarised_per_class_and_differenced_by_seed_not_by_order(tmp_path, capsys):
    # Group b lists its seeds in the other order. Paired by seed, left's differences are 30 and 10 (sd 14.1); paired
    # by position they would be -10 and 50 (the same mean, sd 42.4, a three times wider interval).
    a = [evaluation(tmp_path, "a0", 0, {"left": 50.0, "right": 100.0}),
         evaluation(tmp_path, "a1", 1, {"left": 70.0, "right": 100.0})]
    b = [evaluation(tmp_path, "b1", 1, {"left": 60.0, "right": 90.0}),
         evaluation(tmp_path, "b0", 0, {"left": 20.0, "right": 100.0})]
    run(f"a={a[0]}", a[1], f"b={b[0]}", b[1], "--difference", "a", "b")
    rows = {line.split(" | ")[0].strip("| "): line for line in capsys.readouterr().out.splitlines()}
    assert "60.0 (sd 14.1; 50.0-70.0)" in rows["left"]  # a's mean, sd and range
    assert rows["left"].endswith("| 20.0 [-107.1, 147.1] n=2 |")  # 20 -+ t(0.975, 1) * 14.14 / sqrt(2)
    assert rows["right"].endswith("| 5.0 [-58.5, 68.5] n=2 |")  # (0, 10)


def test_bad_input_is_named(tmp_path):
    a = evaluation(tmp_path, "a", 0, {"left": 50.0})
    other = evaluation(tmp_path, "other", 0, {"up": 50.0})
    assert "missing.json: no such file" in refused(f"a={tmp_path / 'missing.json'}")
    assert "other.json: its classes differ" in refused(f"a={a}", f"b={other}")
    assert "is not a group" in refused(f"a={a}", "--difference", "a", "b")
    (tmp_path / "train.json").write_text("{}")
    assert "train.json: no 'per_class' field" in refused(f"a={tmp_path / 'train.json'}")


def test_confusions_show_where_each_groups_lost_videos_go_averaged_over_its_files(tmp_path, capsys):
    # Classes still / left / right, 10 videos each. Group a loses 2 then 4 of "left" to "right" (mean 30 %) and puts
    # 1 of 10 "still" videos in "right" in one file only (mean 5 %); "right" loses 1 video in one file (5 %, to
    # "left"). b, one file, loses only 1 "right" video, to "still" (10 %).
    def evaluation_with(name, seed, confusion):
        path = tmp_path / f"{name}.json"
        per_class = {c: 100 * confusion[i][i] / sum(confusion[i]) for i, c in enumerate(["still", "left", "right"])}
        path.write_text(json.dumps({"seed": seed, "top1": 0.0, "per_class": per_class, "confusion": confusion}))
        return str(path)

    a = [evaluation_with("a0", 0, [[9, 0, 1], [0, 8, 2], [0, 1, 9]]),
         evaluation_with("a1", 1, [[10, 0, 0], [0, 6, 4], [0, 0, 10]])]
    b = [evaluation_with("b0", 0, [[10, 0, 0], [0, 10, 0], [1, 0, 9]])]
    run(f"a={a[0]}", a[1], f"b={b[0]}", "--confusions")
    out = capsys.readouterr().out
    assert "a takes it for (%, mean of n=2) | b takes it for (%, mean of n=1)" in out
    table = out.split("takes it for")[-1]
    cells = [[c.strip() for c in line.strip().strip("|").split("|")] for line in table.splitlines() if "|" in line]
    rows = {first: rest for first, *rest in cells}
    assert rows["left"] == ["right 30.0", "-"]
    assert rows["still"] == ["right 5.0", "-"]
    assert rows["right"] == ["left 5.0", "still 10.0"]


def test_confusions_need_the_confusion_matrix_of_the_files_classes(tmp_path):
    a = evaluation(tmp_path, "a", 0, {"left": 50.0})
    assert "a.json: no 'confusion' field" in refused(f"a={a}", "--confusions")
    short = tmp_path / "short.json"
    short.write_text(json.dumps({"seed": 0, "top1": 50.0, "per_class": {"left": 50.0, "right": 50.0},
                                 "confusion": [[1, 1]]}))
    assert "short.json: its confusion matrix is (1, 2), not 2 x 2" in refused(f"a={short}", "--confusions")
