"""Frame sampling: the TSN/TSM formulas of the official code, 1-based."""

import numpy as np
import pytest

from msnet.data import sampling


def rng():
    return np.random.default_rng(0)


def test_segment_val_takes_segment_centres():
    # n=24, T=8: tick 3 -> int(1.5 + 3k) = 1, 4, ..., 22 -> 1-based 2, 5, ..., 23
    assert sampling.sample("val", 24, 8, rng()).tolist() == [[2, 5, 8, 11, 14, 17, 20, 23]]
    assert sampling.sample("val", 8, 8, rng()).tolist() == [[1] * 8]  # too short: all frame 1


def test_segment_train_draws_one_frame_inside_each_segment():
    for seed in range(20):
        ids = sampling.sample("train", 24, 8, np.random.default_rng(seed))[0] - 1
        assert all(3 * k <= i < 3 * k + 3 for k, i in enumerate(ids))
    short = sampling.sample("train", 5, 8, rng())[0]  # fewer frames than segments: zeros
    assert short.tolist() == [1] * 8
    mid = sampling.sample("train", 12, 8, rng())[0]  # avg = 1: one frame per segment exactly
    assert mid.tolist() == list(range(1, 9))


def test_twice_sample_adds_segment_starts():
    assert sampling.sample("twice", 24, 8, rng()).tolist() == [[2, 5, 8, 11, 14, 17, 20, 23], [1, 4, 7, 10, 13, 16, 19, 22]]


def test_dense_window_of_64_with_stride_64_over_T():
    ids = sampling.sample("dense", 200, 8, rng())[0]
    assert np.all(np.diff(ids) == 8)
    test = sampling.sample("dense_test", 200, 8, rng(), clips=10)
    assert test.shape == (10, 8) and test[0, 0] == 1 and test[-1, 0] == 137  # linspace(0, 136, 10)
    wrapped = sampling.sample("dense", 20, 8, rng())[0]  # shorter than the window: indices wrap around n
    assert wrapped.max() <= 20 and wrapped.min() >= 1


def test_dense_1clip_validation_draws_a_seeded_random_start_per_video():
    """As the released code (TSM and MSNet): ``randint(0, span - 1)`` per clip, here from the dataset's
    (seed, epoch, index) generator, so starts differ across videos and repeat in a second evaluation."""
    def starts(n):
        return [sampling.sample("dense_val", n, 8, np.random.default_rng([0, 0, index]))[0, 0] - 1
                for index in range(50)]

    first = starts(200)
    assert first == starts(200) and len(set(first)) > 10
    assert all(0 <= s <= 200 - 65 for s in first)
    assert set(starts(64)) == {0}  # no longer than the window: the first frame
    ids = sampling.sample("dense_val", 200, 8, rng())[0]
    assert np.all(np.diff(ids) == 8)


def test_new_length_takes_consecutive_frames_clamped_at_the_end():
    ids = sampling.sample("val", 24, 4, rng(), L=5)[0]
    assert ids.reshape(4, 5).tolist()[0] == [3, 4, 5, 6, 7]  # tick (24-5+1)/4 = 5: int(2.5) = 2 -> 1-based 3
    assert sampling.expand(np.array([[23]]), 24, 5).tolist() == [[23, 24, 24, 24, 24]]


def test_multi_clip_protocols():
    assert sampling.sample("random_clips", 48, 8, rng(), clips=10).shape == (10, 8)
    uniform = sampling.sample("uniform_test", 80, 8, rng(), clips=10)
    assert uniform.shape == (10, 8) and len({tuple(r) for r in uniform}) == 10 and uniform.max() <= 80


def test_unknown_protocol_and_empty_video_are_errors():
    with pytest.raises(ValueError, match="unknown sampling protocol"):
        sampling.sample("tsn", 10, 8, rng())
    with pytest.raises(ValueError, match="0 frames"):
        sampling.sample("val", 0, 8, rng())
