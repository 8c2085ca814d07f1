"""The synthetic motion benchmark: determinism, exact ground truth, classes that only motion separates."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from msnet.data.motion_classes import CLASSES, class_names
from msnet.data.synthetic import SynthConfig, generate_video, ground_truth_flow


def warp_error(frames: np.ndarray, flow: np.ndarray) -> torch.Tensor:
    """|frame_t - frame_{t+1}(p + flow_t(p))| per pixel, (F-1, H, W)."""
    f = torch.from_numpy(frames).permute(0, 3, 1, 2).float()
    h, w = f.shape[-2:]
    y, x = torch.meshgrid(torch.arange(h).float(), torch.arange(w).float(), indexing="ij")
    g = torch.stack([x, y], -1)[None] + torch.from_numpy(flow)
    g = torch.stack([(2 * g[..., 0] + 1) / w - 1, (2 * g[..., 1] + 1) / h - 1], -1)
    return (F.grid_sample(f[1:], g, align_corners=False) - f[:-1]).abs().mean(1)


def test_same_seed_and_index_give_the_same_video_and_others_differ():
    cfg = SynthConfig(height=32, width=48, frames=6)
    a, b = generate_video(cfg, 1, 5), generate_video(cfg, 1, 5)
    assert np.array_equal(a.frames, b.frames) and np.array_equal(a.affine, b.affine)
    assert not np.array_equal(a.frames, generate_video(cfg, 2, 5).frames)
    assert not np.array_equal(a.frames, generate_video(cfg, 1, 21).frames)  # same class (16 classes), other video


def test_ground_truth_flow_is_exact_for_whole_pixel_motion():
    """With integer speeds and no pan, warping frame t+1 by the flow reproduces frame t exactly inside layers."""
    cfg = SynthConfig(height=48, width=64, frames=8, speed=(3, 3), pan=0, distractors=0, occluder=0, noise=0)
    for label in (0, 2, 5):  # right, down, up-left (diagonal: 3 px along the diagonal is not whole, edges only)
        video = generate_video(cfg, 0, 0, label=label)
        error = warp_error(video.frames, ground_truth_flow(video.affine, video.ids))
        assert error.median() == 0, CLASSES[label].name


def test_ground_truth_flow_follows_camera_pan_on_the_background():
    cfg = SynthConfig(height=48, width=64, frames=6, pan=2.0, distractors=0, occluder=0, noise=0)
    video = generate_video(cfg, 4, 7)
    flow = ground_truth_flow(video.affine, video.ids)
    background = video.ids[:-1] == 0
    pan = np.radians(video.meta["pan_deg"])
    expected = video.meta["pan_px"] * np.array([np.cos(pan), np.sin(pan)])
    assert np.allclose(flow[background].mean(0), expected, atol=2e-3)  # meta is rounded to 3 decimals


@pytest.mark.parametrize("label", range(8))
def test_translation_classes_move_the_target_the_way_their_names_say(label):
    cfg = SynthConfig(height=64, width=96, frames=8, pan=0, distractors=0, occluder=0)
    video = generate_video(cfg, 0, 100 + label, label=label)
    flow = ground_truth_flow(video.affine, video.ids)
    mean = flow[video.ids[:-1] == 1].mean(0)  # layer 1 is the target when there is no distractor
    direction = CLASSES[label].direction
    assert mean @ np.array([np.cos(direction), np.sin(direction)]) > 1.5  # at least 2 px/frame along the name
    name = CLASSES[label].name
    assert ("right" in name) == (mean[0] > 0.5) and ("down" in name) == (mean[1] > 0.5)


def test_time_reversed_pairs_exist_and_the_provider_order_is_not_sorted():
    names = class_names()
    assert len(names) == len(set(names)) == 16
    assert names != sorted(names)  # exercises the SSv1 class-index trap
    for a, b in [("right", "left"), ("up", "down")]:
        assert f"Moving something {a}" in names and f"Moving something {b}" in names
    kinds = {c.kind for c in CLASSES}
    assert {"stop", "start", "rotate", "zoom"} <= kinds


def test_a_single_frame_does_not_reveal_the_class():
    """Per-class mean images are alike: objects, textures and positions are drawn independently of the class."""
    cfg = SynthConfig(height=32, width=48, frames=6)
    means = np.stack([
        np.mean([generate_video(cfg, 0, i * 16 + label).frames[0].mean() for i in range(6)]) for label in range(16)
    ])
    assert means.std() < 10  # brightness of the first frame carries no class signal beyond sampling noise


def test_invalid_configs_say_what_is_wrong():
    with pytest.raises(ValueError, match="even"):
        SynthConfig(height=33)
    with pytest.raises(ValueError, match="classes"):
        SynthConfig(classes=17)
    with pytest.raises(ValueError, match="frames"):
        SynthConfig(frames=2)
