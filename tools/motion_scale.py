"""How far each synthetic class moves between the frames evaluation samples, in input pixels and res3 cells: what the
MS module would have to resolve, measured from the generator's exact motion with no model and no training (seconds).

    python tools/motion_scale.py [--frames 8] [--crop 96] [--videos 64] [--set turn=[15,25] --set object_size=[0.5,0.7]]

`--set` changes a field of the benchmark's SynthConfig (msnet/data/synthetic.py; values in YAML), so a candidate
benchmark can be checked before anything is trained on it. Moving pixels only (truth >= 0.5 px); one res3 cell is 8
input pixels. Used for docs/training.md ("Class by class"): on the benchmark as it stands the zooms and rotations
move by well under a cell.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from msnet.analysis.motion import motion_scale
from msnet.cli.common import yaml_overrides
from msnet.core.errors import BadValue
from msnet.data.synthetic import SynthConfig


def config_from(settings: list[str]) -> SynthConfig:
    """`--set` values parsed as `python -m msnet data synth --set` parses them; an unknown field is named."""
    changes = yaml_overrides(settings)
    fields = [field.name for field in dataclasses.fields(SynthConfig)]
    for key in changes:
        if key not in fields:
            raise BadValue(f"--set {key}: not a field of SynthConfig ({', '.join(fields)})")
    return dataclasses.replace(SynthConfig(), **changes)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=8, help="frames a clip samples (the rows' 8)")
    parser.add_argument("--crop", type=int, default=96, help="the protocol's crop (the synthetic protocol's 96)")
    parser.add_argument("--videos", type=int, default=64, help="videos generated (cycling through the classes)")
    parser.add_argument("--seed", type=int, default=10_000, help="generator seed (10000: outside the training set)")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="FIELD=VALUE")
    args = parser.parse_args(argv)
    try:
        synth = config_from(args.settings)
    except BadValue as err:
        sys.exit(f"motion_scale: {err}")
    result = motion_scale(args.frames, args.crop, videos=args.videos, seed=args.seed, synth=synth)
    print(f"{args.videos} videos, {args.frames} frames, crop {args.crop}, one res3 cell = {result['stride']} px; "
          f"changed: {', '.join(args.settings) or 'nothing'}")
    print("| class | moving pixels | median px | 90th percentile px | median cells | >= half a cell | >= one cell |")
    print("|---|---|---|---|---|---|---|")
    for name, row in result["per_class"].items():
        if not row["moving_pixels"]:
            print(f"| {name} | 0 | | | | | |")
            continue
        print(f"| {name} | {row['moving_pixels']} | {row['median_px']:.1f} | {row['p90_px']:.1f} | "
              f"{row['median_cells']:.2f} | {100 * row['at_least_half_cell']:.0f} % | "
              f"{100 * row['at_least_one_cell']:.0f} % |")


if __name__ == "__main__":
    main()
