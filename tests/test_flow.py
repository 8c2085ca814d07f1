"""TV-L1 flow: the PyTorch implementation against OpenCV's, the dense_flow storage, extraction (shards, resume,
bad input), subset lists, flow-stream datasets and the RGB + flow late fusion."""

import json
import shutil

import cv2
import numpy as np
import pytest
import torch

from msnet.data.dataset import VideoDataset
from msnet.data.formats import DataError
from msnet.data.integrity import IncompleteMedia
from msnet.data.subset import balanced_subset, write_subset_lists
from msnet.data.transforms import recipe
from msnet.data.flow_store import count_fields, dequantize, quantize, read_flow_jpegs, video_key, write_flow_jpegs
from msnet.flow.extract import FlowSettings, extract_flow_shard, listed_videos, merge_flow_lists, output_folder
from msnet.flow.median import median5, median5_network, selection_network
from msnet.flow.quality import accuracy, endpoint_errors
from msnet.flow.tvl1_opencv import flow_pairs
from msnet.flow.tvl1_torch import tvl1


def test_quantization_follows_dense_flow():
    flow = np.array([-30.0, -20.0, 0.0, 0.1, 19.9, 20.0, 35.0])
    q = quantize(flow)
    assert q.tolist() == [0, 0, 128, 128, 254, 255, 255]  # clip to +-20, round(255 (v + 20) / 40); 127.5 -> 128
    inside = np.linspace(-20, 20, 1001)
    assert np.abs(dequantize(quantize(inside)) - inside).max() <= 20 / 255 + 1e-5  # half a step of 40/255


def test_flow_jpegs_round_trip_and_bad_files_are_named(tmp_path):
    rng = np.random.default_rng(0)
    flows = np.repeat(np.repeat(rng.uniform(-5, 5, (3, 4, 5, 2)), 8, axis=1), 8, axis=2).astype(np.float32)
    write_flow_jpegs(tmp_path / "v", flows)
    assert count_fields(tmp_path / "v") == 3
    back = dequantize(read_flow_jpegs(tmp_path / "v", [1, 2, 3])).transpose(0, 2, 3, 1)
    assert np.abs(back - flows).mean() < 0.2  # quantisation + JPEG on flat blocks
    (tmp_path / "v" / "flow_y_00002.jpg").unlink()
    with pytest.raises(DataError, match="flow_y_00002.jpg: missing"):
        read_flow_jpegs(tmp_path / "v", [2])
    with pytest.raises(IncompleteMedia, match=r"flow_y_00002\.jpg: missing flow file \(2 of 3 present\)") as gap:
        count_fields(tmp_path / "v")
    assert gap.value.reason == "flow gap"
    (tmp_path / "v" / "flow_y_00003.jpg").unlink()
    with pytest.raises(DataError, match="3 flow_x files but 1 flow_y files"):
        count_fields(tmp_path / "v")
    (tmp_path / "v" / "flow_x_00003.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match="flow_x_00003.jpg: unreadable"):
        read_flow_jpegs(tmp_path / "v", [3])


@pytest.mark.parametrize("median", [median5, median5_network])
def test_median_is_opencvs_median_blur(median):
    assert len(selection_network(25, 12)) == 113
    image = np.random.default_rng(1).normal(size=(2, 1, 19, 23)).astype(np.float32)
    ours = median(torch.from_numpy(image)).numpy()
    assert ours.shape == image.shape
    for k in range(2):
        assert np.array_equal(ours[k, 0], cv2.medianBlur(image[k, 0], 5))


def _shifted_pair(dx: int, dy: int, size=(64, 80)):
    rng = np.random.default_rng(2)
    texture = cv2.GaussianBlur(rng.uniform(0, 255, (size[0] + 20, size[1] + 20)).astype(np.float32), (0, 0), 2)
    first = texture[10:10 + size[0], 10:10 + size[1]]
    second = texture[10 - dy:10 - dy + size[0], 10 - dx:10 - dx + size[1]]  # content moves by (+dx, +dy)
    return (np.clip(first * 3 - 250, 0, 255).astype(np.uint8), np.clip(second * 3 - 250, 0, 255).astype(np.uint8))


def test_pytorch_tvl1_recovers_a_shift_with_opencvs_sign():
    first, second = _shifted_pair(2, -1)
    ours = tvl1(torch.from_numpy(first), torch.from_numpy(second)).numpy()
    theirs = flow_pairs(np.stack([first, second]))[0]
    assert np.median(ours[0][8:-8, 8:-8]) == pytest.approx(2.0, abs=0.05)
    assert np.median(ours[1][8:-8, 8:-8]) == pytest.approx(-1.0, abs=0.05)
    assert np.median(theirs[8:-8, 8:-8, 0]) == pytest.approx(2.0, abs=0.05)


def test_pytorch_tvl1_matches_opencv_on_synthetic_motion():
    result = accuracy(videos=2, pairs=2, size=(48, 64))
    assert result["within_tolerance"], result["epe"]
    assert result["torch_vs_opencv_mean_difference_px"] < 0.1
    # both beat the zero-flow baseline on moving pixels by far: they estimate motion
    assert result["epe"]["torch"]["moving"] < 0.5 * result["epe"]["zero_flow"]["moving"]


def test_batched_pairs_give_the_flow_of_each_pair_alone():
    pairs = [_shifted_pair(1, 0), _shifted_pair(0, 2)]
    batch = tvl1(torch.from_numpy(np.stack([p[0] for p in pairs])), torch.from_numpy(np.stack([p[1] for p in pairs])))
    for k, (a, b) in enumerate(pairs):
        alone = tvl1(torch.from_numpy(a), torch.from_numpy(b))
        assert torch.allclose(batch[k], alone, atol=1e-4)


def test_endpoint_error_counts_moving_pixels_apart():
    truth = np.zeros((1, 2, 2, 2), np.float32)
    truth[0, 0, 0] = (3, 4)
    errors = endpoint_errors(np.zeros_like(truth), truth)
    assert errors == {"all": pytest.approx(5 / 4), "moving": pytest.approx(5.0)}


def test_balanced_subset_takes_the_first_videos_of_every_class():
    items = [(f"v{i}", 10, i % 4) for i in range(40)]
    kept = balanced_subset(items, 8)
    assert [m for m, _, _ in kept] == [f"v{i}" for i in range(8)]
    assert sorted(label for _, _, label in kept) == [0, 0, 1, 1, 2, 2, 3, 3]


def test_video_key_matches_frames_videos_and_flow_folders():
    assert video_key("20bn-something-something-v1/5") == "20bn-something-something-v1/5"
    assert video_key("../../data/ssv1/flow/20bn-something-something-v1/5") == "20bn-something-something-v1/5"
    assert video_key("videos/val/a_000001_000011.mp4") == video_key("x/flow_3fps/videos/val/a_000001_000011")


@pytest.fixture
def ssv1(prepared, tmp_path):
    out = tmp_path / "ssv1"
    shutil.copytree(prepared["ssv1"], out)
    write_subset_lists(out, {"train": 8, "val": 4})
    return out


def test_flow_extraction_shards_resume_and_lists(ssv1):
    settings = FlowSettings(size=(32, 40))
    first = extract_flow_shard(ssv1, 0, 2, settings, lists="subset", progress=False)
    second = extract_flow_shard(ssv1, 1, 2, settings, lists="subset", progress=False)
    assert set(first["fields"]).isdisjoint(second["fields"]) and len(first["fields"]) + len(second["fields"]) == 12
    media, count = listed_videos(ssv1, "subset")[0]
    folder = output_folder(ssv1, "flow", media)
    assert count_fields(folder) == count - 1
    assert read_flow_jpegs(folder, [1]).shape == (1, 2, 32, 40)
    stamp = folder.stat().st_mtime_ns
    again = extract_flow_shard(ssv1, 0, 2, settings, lists="subset", progress=False)
    assert again["computed_pairs"] == 0 and folder.stat().st_mtime_ns == stamp  # finished folders are kept
    (folder / "flow_x_00002.jpg").unlink()  # damaged after it was written: recomputed, and said so
    repaired = extract_flow_shard(ssv1, 0, 2, settings, lists="subset", progress=False)
    assert repaired["computed_pairs"] == count - 1 and count_fields(folder) == count - 1
    assert list(repaired["recomputed"]) == [media]
    assert "flow_x_00002.jpg: missing flow file" in repaired["recomputed"][media]
    summary = merge_flow_lists(ssv1, 2, lists="subset")
    assert summary["lists"] == {"train": 8, "val": 4} and summary["failed"] == {}
    assert list(summary["recomputed"]) == [media]
    dataset = VideoDataset(ssv1, "val", 3, recipe("ssv1", False, crop=24, flow=True), protocol="val",
                           new_length=2, lists="flow")
    clip, label, _ = dataset[0]
    assert clip.shape == (1, 3, 4, 24, 24)  # views, T, 2L channels (x, y per field), crop


def test_low_fps_flow_and_too_short_videos_are_counted(ssv1, tmp_path):
    media, count = listed_videos(ssv1, "subset")[0]
    settings = FlowSettings(size=(32, 40), fps=3, source_fps=12)
    result = extract_flow_shard(ssv1, 0, 1, settings, lists="subset", progress=False)
    assert result["fields"][media] == len(range(0, count, 4)) - 1  # every 4th frame
    # a video of 4 frames has one frame left at 3 fps: counted, named, left out of the lists
    summary = json.loads((ssv1 / "summary.json").read_text())
    root = tmp_path / "root"
    shutil.copytree(summary["root"], root)
    (ssv1 / "summary.json").write_text(json.dumps({**summary, "root": str(root)}))
    for extra in sorted((root / media).glob("*.jpg"))[4:]:
        extra.unlink()
    shutil.rmtree(output_folder(ssv1, "flow_3fps", media))
    lines = (ssv1 / "subset" / "train.txt").read_text().splitlines()
    (ssv1 / "subset" / "train.txt").write_text("\n".join(
        f"{media} 4 {line.split()[-1]}" if line.split()[0] == media else line for line in lines) + "\n")
    result = extract_flow_shard(ssv1, 0, 1, settings, lists="subset", progress=False)
    assert "1 frame(s) after resampling" in result["errors"][media]
    merged = merge_flow_lists(ssv1, 1, fps=3, lists="subset")
    assert merged["failed"] == {media: result["errors"][media]} and merged["lists"]["train"] == 7


def test_flow_flip_inverts_x_only():
    clip = torch.full((2, 4, 8, 8), 100, dtype=torch.uint8)  # T=2, two fields (x, y, x, y)
    transform = recipe("kinetics", True, crop=8, flow=True)
    rng = np.random.default_rng(0)
    flipped = None
    for _ in range(20):
        out, _ = transform(clip, 0, rng)
        if out[0, 0, 0, 0, 0] != out[0, 0, 1, 0, 0]:
            flipped = out
            break
    assert flipped is not None, "no flip in 20 draws"
    x, y = flipped[0, 0, 0], flipped[0, 0, 1]
    assert torch.allclose(x, (155 / 255 - 0.5) / 0.226 * torch.ones_like(x), atol=1e-5)
    assert torch.allclose(y, (100 / 255 - 0.5) / 0.226 * torch.ones_like(y), atol=1e-5)
