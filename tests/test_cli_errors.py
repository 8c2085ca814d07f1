"""The command line: a wrong request is one line and exit code 2; a bug keeps its traceback."""

import pytest

from msnet import cli
from msnet.core.errors import BadValue, UnknownName, UsageError


def test_user_errors_exit_2_with_one_line(capsys):
    assert cli.main(["cost", "resnet1000", "--frames", "2"]) == 2
    err = capsys.readouterr().err
    assert "unknown model 'resnet1000'; registered:" in err and "Traceback" not in err
    assert cli.main(["cost", "msnet_r18", "--frames", "2", "--set", "ms.patch_sise=7"]) == 2
    assert "patch_sise" in capsys.readouterr().err


def test_a_bug_keeps_its_traceback(monkeypatch):
    def broken(args):
        raise KeyError("a dictionary lookup the code got wrong")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["models"].set_defaults(func=broken)
    with pytest.raises(KeyError, match="the code got wrong"):
        cli.main(["models"])


def test_user_errors_are_still_the_builtin_types_callers_catch():
    assert issubclass(BadValue, ValueError) and issubclass(UnknownName, KeyError)
    assert issubclass(BadValue, UsageError) and str(UnknownName("plain message")) == "plain message"


def test_results_are_written_whole_and_readable_like_any_file(tmp_path):
    import os
    import stat

    from msnet.core.jsonio import write_json

    path = write_json(tmp_path / "a" / "r.json", {"x": float("nan")}, strict=True)
    assert path.read_text() == '{\n  "x": "nan"\n}\n' and list(path.parent.iterdir()) == [path]
    probe = tmp_path / "probe"
    probe.write_text("")
    assert stat.S_IMODE(os.stat(path).st_mode) == stat.S_IMODE(os.stat(probe).st_mode)  # not mkstemp's 0600
