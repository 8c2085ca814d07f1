"""``--spec JSON`` on every stage: the stage's options as one object keyed by their own names.

The workflow calls each stage with the config's values under the names the stage declares (``val_every``, not
``--val-every``), so no rule respells a config value as flags. The object is expanded into the options it names before
argparse runs, so every value is checked as a typed flag is (types, choices, required options), and a flag written after
``--spec`` still wins. Positional arguments (paths, wildcards) stay on the command line.

train and pretrain declare their own ``--spec`` (their config dataclass's fields) and are left as they are.
"""

from __future__ import annotations

import argparse
import json

from msnet.core.errors import UnknownOption, UsageError
from msnet.core.specs import read_spec

SPEC = "--spec"
HELP = ("this stage's options as one JSON object keyed by their names, e.g. '{\"val_every\": 5}' (how the workflow "
        "calls it); a flag after it wins")


def add_spec_option(parser: argparse.ArgumentParser) -> None:
    """Give ``parser`` (and the parsers of its subcommands) a ``--spec`` unless it declares its own."""
    children = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for action in children:
        for child in action.choices.values():
            add_spec_option(child)
    if not children and "spec" not in {a.dest for a in parser._actions}:
        parser.add_argument(SPEC, metavar="JSON", dest="spec_options", help=HELP)


def expand_spec(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``argv`` with each ``--spec JSON`` of a stage that takes options by name replaced by those options; a bad spec
    is a bad command line (the stage's usage, the message, exit 2)."""
    stage, position = _stage_parser(parser, argv)
    if stage is None or "spec_options" not in {a.dest for a in stage._actions}:
        return argv
    out = list(argv[:position])
    tokens = iter(argv[position:])
    for token in tokens:
        name, sep, inline = token.partition("=")
        if name != SPEC:
            out.append(token)
            continue
        text = inline if sep else next(tokens, None)
        if text is None:
            out.append(token)  # argparse reports the missing value
            continue
        try:
            out += spec_tokens(stage, read_spec(text))
        except UsageError as err:
            stage.error(str(err))
    return out


def spec_tokens(stage: argparse.ArgumentParser, spec: dict) -> list[str]:
    """The command-line tokens that give ``stage`` the options of ``spec``."""
    actions = {a.dest: a for a in stage._actions if a.option_strings and a.dest not in ("help", "spec_options")}
    unknown = sorted(set(spec) - set(actions))
    if unknown:
        raise UnknownOption(f"--spec names unknown option(s) {unknown}; accepted: {sorted(actions)} "
                            "(positional arguments go on the command line)")
    out = []
    for key, value in spec.items():
        action, flag = actions[key], actions[key].option_strings[-1]
        if value is None:
            continue
        if action.nargs == 0:  # store_true / store_false / store_const: the flag when the value is not the default
            out += [flag] if value != action.default else []
        elif isinstance(action, argparse._AppendAction):
            items = [f"{k}={_text(v)}" for k, v in value.items()] if isinstance(value, dict) else value
            for item in items if isinstance(items, list) else [items]:
                out += [flag, _text(item)]
        elif isinstance(value, list) and action.nargs not in (None, "?"):
            out += [flag, *map(_text, value)]
        else:
            out += [flag, _text(value)]
    return out


def _text(value) -> str:
    """A value as the flag's text: strings as they are, everything else (numbers, lists, objects) as JSON."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _stage_parser(parser: argparse.ArgumentParser, argv: list[str]):
    """The innermost subcommand's parser that ``argv`` selects, and the index just after its name."""
    current, position = parser, 0
    while True:
        commands = [a for a in current._actions if isinstance(a, argparse._SubParsersAction)]
        if not commands:
            return (current if current is not parser else None), position
        for index in range(position, len(argv)):
            if argv[index] in commands[0].choices:
                current, position = commands[0].choices[argv[index]], index + 1
                break
            if not argv[index].startswith("-"):
                return None, position
        else:
            return None, position
