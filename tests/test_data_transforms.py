"""Clip transforms of the official recipes."""

import numpy as np
import pytest
import torch

from msnet.data.transforms import (
    SOMETHING_LEFT_RIGHT, ClipTransform, fixed_offsets, flip, multi_scale_crop, normalize, recipe, three_crops,
)


def clip(t=4, h=240, w=320):
    return torch.randint(0, 256, (t, 3, h, w), dtype=torch.uint8)


def test_thirteen_fixed_offsets_on_a_quarter_grid():
    offsets = fixed_offsets(320, 240, 224, 224)
    assert len(offsets) == 13 == len(set(offsets))
    assert (0, 0) in offsets and (96, 16) in offsets and (48, 8) in offsets  # corner, opposite corner, centre


def test_multi_scale_crop_snaps_to_the_output_and_keeps_one_crop_per_clip():
    x = clip()
    crops = set()
    for seed in range(30):
        out = multi_scale_crop(x, 224, np.random.default_rng(seed))
        assert out.shape == (4, 3, 224, 224)
        crops.add(out[0, 0, 0, :4].tolist().__repr__())
    assert len(crops) > 5  # scales and offsets vary
    # The same crop for every frame: identical frames in, identical frames out.
    same = x[:1].expand(4, -1, -1, -1)
    out = multi_scale_crop(same, 224, np.random.default_rng(0))
    assert torch.equal(out[0], out[3])


def test_flip_policies_and_the_left_right_swap():
    x = clip(h=8, w=8)
    always = type("R", (), {"random": lambda self: 0.0})()  # a generator that always flips
    assert flip(x, 86, "none", always)[1] == 86 and torch.equal(flip(x, 86, "none", always)[0], x)
    assert torch.equal(flip(x, 86, "exclude", always)[0], x)  # official MSNet: not these classes
    flipped, label = flip(x, 86, "swap", always)
    assert label == 87 and torch.equal(flipped, x.flip(-1))
    assert flip(x, 5, "all", always)[1] == 5 and set(SOMETHING_LEFT_RIGHT) == {86, 87, 93, 94, 166, 167}
    flow = torch.full((2, 2, 4, 4), 100, dtype=torch.uint8)
    out, _ = flip(flow, 0, "all", always, flow=True)
    assert out[:, 0].unique().tolist() == [155] and out[:, 1].unique().tolist() == [100]  # x inverted only
    with pytest.raises(ValueError, match="flip policy"):
        flip(x, 0, "sometimes", always)


def test_released_msnet_flip_never_flips_the_left_right_classes_and_keeps_every_label():
    """The training transform with the `exclude` policy: a left-to-right ramp stays a ramp after any crop, so the
    sign of its slope says whether the clip was flipped."""
    ramp = torch.linspace(0, 255, 24).round().to(torch.uint8).expand(1, 3, 18, 24)
    transform = recipe("ssv1", True, crop=16, flip="exclude")

    def flipped(label, draws):
        outs = [transform(ramp, label, np.random.default_rng([seed, label])) for seed in range(draws)]
        assert all(label_out == label for _, label_out in outs)  # never swapped
        return [bool(out[0, 0, 0, 0, :4].mean() > out[0, 0, 0, 0, -4:].mean()) for out, _ in outs]

    assert not any(f for label in SOMETHING_LEFT_RIGHT for f in flipped(label, 50))
    assert 0.43 < np.mean(flipped(5, 400)) < 0.57  # p = 0.5; the bounds are about 3 standard errors


def test_three_crops_cover_left_centre_right():
    x = torch.arange(320).repeat(1, 3, 256, 1).to(torch.uint8)
    crops = three_crops(x[:, :, :, :].to(torch.int64), 256)
    assert [c[0, 0, 0, 0].item() for c in crops] == [0, 64, 32]


def test_normalize_uses_imagenet_statistics():
    x = torch.full((1, 3, 2, 2), 255, dtype=torch.uint8)
    assert torch.allclose(normalize(x)[0, :, 0, 0], torch.tensor([(1 - 0.485) / 0.229, (1 - 0.456) / 0.224,
                                                                  (1 - 0.406) / 0.225]))


def test_recipes_scale_with_the_crop_and_give_views():
    rng = np.random.default_rng(0)
    x = clip(h=96, w=128)
    assert recipe("ssv1", True, crop=112) == ClipTransform(crop=112, resize=(120, 160), train=True, flip="none")
    assert recipe("kinetics", True).flip == "all"
    out, _ = recipe("ssv1", False, crop=112)(x, 0, rng)
    assert out.shape == (1, 4, 3, 112, 112)
    out, _ = recipe("kinetics", False, crop=112, crops=3)(x, 0, rng)
    assert out.shape == (3, 4, 3, 128, 128)
