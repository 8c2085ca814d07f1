"""The motion check: geometry of the ground truth, and the MS displacement agreeing with known motion."""

import dataclasses

import numpy as np
import pytest
import torch

from msnet import create_model
from msnet.analysis.motion import _network_input, _truth_on_input, motion_scale, probe
from msnet.data.synthetic import SynthConfig


def test_ground_truth_goes_through_evaluations_resize_and_crop_with_its_values_scaled():
    frames = np.zeros((3, 96, 128, 3), dtype=np.uint8)
    flow = np.zeros((2, 96, 128, 2), dtype=np.float32)
    flow[..., 0], flow[..., 1] = 3.0, -2.0  # uniform motion, original pixels
    clip, shown = _network_input(frames, "ssv1", 64)  # Something: resize to 68x92, centre crop 64
    field = _truth_on_input(flow, "ssv1", 64)
    assert clip.shape == (3, 3, 64, 64) and shown.shape == (3, 64, 64, 3) and field.shape == (2, 2, 64, 64)
    torch.testing.assert_close(field[:, 0], torch.full((2, 64, 64), 3.0 * 92 / 128))
    torch.testing.assert_close(field[:, 1], torch.full((2, 64, 64), -2.0 * 68 / 96))


def test_even_an_untrained_ms_module_points_the_way_things_move():
    """Random features still match textures across frames: on the four axis-aligned translation classes the
    displacement agrees in direction with the truth (cosine well above 0). Swapped axes, a flipped sign, wrong
    frame pairs or a misaligned crop would bring it to 0 or below."""
    torch.manual_seed(0)
    model = create_model("msnet_r18", num_frames=8, num_classes=16)
    result = probe({"untrained": model}, frames=8, crop=64, videos=16, keep=0)
    per_class = result["summary"]["untrained"]["per_class"]
    axis = [f"Moving something {d}" for d in ("left", "right", "up", "down")]
    cosines = [per_class[c]["cosine_moving"] for c in axis]
    assert np.mean(cosines) > 0.25, cosines
    assert result["summary"]["untrained"]["zero_epe_moving"] > 1.0  # the probe's videos do move


def test_motion_scale_measures_the_truth_between_sampled_frames_in_input_pixels_and_cells():
    """A translation at a fixed 4 px per frame, sampled every third of 24 frames (8 segments), resized by 138/128 to
    the crop-96 input: 12.94 px, 1.62 res3 cells. A zoom moves far less; holding still has no moving pixel."""
    synth = dataclasses.replace(SynthConfig(), speed=(4.0, 4.0))
    result = motion_scale(frames=8, crop=96, videos=16, synth=synth)
    right, closer = result["per_class"]["Moving something right"], result["per_class"]["Pulling something closer"]
    assert right["median_px"] == pytest.approx(4 * 3 * 138 / 128, abs=0.05)
    assert right["median_cells"] == pytest.approx(4 * 3 * 138 / 128 / 8, abs=0.01)
    assert closer["median_px"] < right["median_px"] / 4 and closer["at_least_one_cell"] == 0
    assert result["per_class"]["Holding something still"]["moving_pixels"] == 0
