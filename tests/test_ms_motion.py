"""The motion check: geometry of the ground truth, and the MS displacement agreeing with known motion."""

import numpy as np
import torch

from msnet import create_model
from msnet.analysis.motion import _network_input, _truth_on_input, probe


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
