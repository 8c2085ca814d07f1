"""``--spec JSON``: a stage's options by their own names, as the workflow calls every stage; the parsed arguments are
those of the equivalent flags."""

import json

import pytest

from msnet.cli import build_parser, main
from msnet.cli.spec_options import expand_spec


def parse(*words: str):
    parser = build_parser()
    return vars(parser.parse_args(expand_spec(parser, list(words))))


def spec(value: dict) -> str:
    return json.dumps(value)


def test_a_spec_parses_as_the_flags_it_names():
    by_flags = parse("synth", "--format", "ssv2", "--out", "d", "--videos", "32", "--val-every", "2", "--size", "64",
                     "96", "--preset", "hard", "--set", "pan=1", "--set", "speed=[2,4]")
    by_spec = parse("synth", "--format", "ssv2", "--out", "d", "--spec", spec(
        {"videos": 32, "val_every": 2, "size": [64, 96], "preset": "hard", "set": {"pan": 1, "speed": [2, 4]},
         "frames": None}))
    assert {k: v for k, v in by_spec.items() if k != "spec_options"} == \
        {k: v for k, v in by_flags.items() if k != "spec_options"}
    assert by_spec["size"] == [64, 96] and by_spec["set"] == ["pan=1", "speed=[2,4]"] and by_spec["frames"] is None


def test_flags_booleans_and_nested_subcommands():
    args = parse("prepare", "ssv1", "--root", "r", "--out", "o", "--spec",
                 spec({"class_order": "provider", "lenient": True, "verify": "decode"}))
    assert args["lenient"] is True and args["class_order"] == "provider" and args["verify"] == "decode"
    assert parse("prepare", "ssv1", "--root", "r", "--out", "o", "--spec", spec({"lenient": False}))["lenient"] is False
    args = parse("flow", "extract", "p", "--shard", "0/2", "--spec", spec({"size": [48, 64], "fps": 3.0, "lists": None}))
    assert args["size"] == [48, 64] and args["fps"] == 3.0 and args["lists"] == ""
    args = parse("report", "cost", "--results", "a.json", "--claims", "c.yaml", "--out", "o",
                 "--spec", spec({"ensemble": {"en": ["a", "b"]}}))
    assert args["ensemble"] == ['en=["a","b"]']


def test_a_flag_after_the_spec_wins():
    assert parse("subset", "p", "--spec", spec({"train": 8, "val": 4}), "--val", "2")["val"] == 2
    assert parse("subset", "p", "--spec=" + spec({"train": 8}))["train"] == 8


@pytest.mark.parametrize(("words", "message"), [
    (["subset", "p", "--spec", '{"trian": 8}'], "--spec names unknown option(s) ['trian']; accepted: ['lists', 'out', 'train', 'val']"),
    (["subset", "p", "--spec", '{"prepared": "x"}'], "positional arguments go on the command line"),
    (["subset", "p", "--spec", '{"train": "eight"}'], "argument --train: invalid int value: 'eight'"),
    (["check-decoding", "p", "--spec", '{"action": "delete"}'], "invalid choice: 'delete'"),
    (["subset", "p", "--spec", "[1, 2]"], "a spec is a JSON object"),
    (["subset", "p", "--spec", "missing.json"], "missing.json: spec file not found"),
])
def test_a_bad_spec_is_a_usage_error_naming_the_option(words, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(words)
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_train_and_pretrain_keep_their_own_spec():
    """Their --spec is their config dataclass's fields (msnet.core.specs), read by the stage, not expanded."""
    text = spec({"arch": "resnet18", "epochs": 1})
    assert parse("pretrain", "--out", "w.pth", "--spec", text)["spec"] == text
    assert "spec_options" not in parse("pretrain", "--out", "w.pth", "--spec", text)
