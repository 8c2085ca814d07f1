"""The MS module's displacement against the synthetic ground truth (Fig. 6, the motion check)."""

from __future__ import annotations

import argparse
from pathlib import Path

from msnet.cli.common import print_result


def cmd_motion(args: argparse.Namespace) -> int:
    import torch

    from msnet.data.synth_writer import load_config
    from msnet.data.synthetic import SynthConfig
    from msnet.analysis.motion import probe, video_example
    from msnet.core.provenance import provenance
    from msnet.report.motion_figures import epe_figure, fig6
    from msnet.report.figures import save_figure
    from msnet.train import checkpoint as ckpt
    from msnet.train.model_spec import build_model

    state = ckpt.load(args.checkpoint)
    spec = state["spec"]
    trained = build_model(spec)
    trained.load_state_dict(state["model"])
    torch.manual_seed(0)
    models = {"trained": trained, "untrained": build_model(spec)}
    synth = load_config(args.synthetic) if args.synthetic else SynthConfig()
    result = probe(models, spec["frames"], spec["crop"], videos=args.videos, seed=args.seed, synth=synth,
                   dataset=args.dataset, keep=args.examples)
    examples = result.pop("examples") + [video_example(trained, v, spec["frames"], spec["crop"], args.dataset)
                                         for v in args.video]
    record = {"row": args.row, "checkpoint": str(args.checkpoint), "model": spec["model"],
              "epoch": state.get("epoch"), "synthetic": synth.to_dict(), **result,
              "real_videos": list(args.video)}
    record["provenance"] = provenance({"checkpoint": str(args.checkpoint), "videos": args.videos, "seed": args.seed})
    if args.figures:
        out = Path(args.figures)
        out.mkdir(parents=True, exist_ok=True)
        real = [e for e in examples if e["truth"] is None]
        synthetic = [e for e in examples if e["truth"] is not None]
        save_figure(fig6(synthetic, list(models)), out, "fig6")
        if real:
            save_figure(fig6(real, ["model"]), out, "fig6_videos")
        save_figure(epe_figure(result["summary"]), out, "ms_motion_epe")
    print_result(record, args.out)
    return 0


def register(sub, model_args: argparse.ArgumentParser) -> None:
    """Add this module's subcommands to ``sub``."""
    p = sub.add_parser("motion", help="the MS module's displacement against the synthetic ground truth; Fig. 6")
    p.add_argument("checkpoint", help="a trained MSNet (best.pt of a training run)")
    p.add_argument("--synthetic", help="the written benchmark the model trained on (its synthetic.json gives the config)")
    p.add_argument("--videos", type=int, default=32, help="synthetic videos to score (generated, not read)")
    p.add_argument("--seed", type=int, default=10_000, help="generator seed (the written benchmark used another one)")
    p.add_argument("--dataset", default="ssv1", help="whose evaluation transform to apply (resize, centre crop)")
    p.add_argument("--examples", type=int, default=3, help="synthetic videos drawn in Fig. 6")
    p.add_argument("--video", action="append", default=[], help="also draw this real video's maps (repeatable)")
    p.add_argument("--row", help="experiment row id recorded in the result")
    p.add_argument("--figures", help="folder for fig6.{png,pdf}, fig6_videos.* and ms_motion_epe.*")
    p.add_argument("--out", help="also write the JSON here (atomically)")
    p.set_defaults(func=cmd_motion)
