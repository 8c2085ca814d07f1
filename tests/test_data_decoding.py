"""The decode check: decord vs PyAV on every container, fixes for unsafe groups, counts from decoding."""

import json
import shutil

import numpy as np
import torch

from msnet.data.decode_check import check_decoding, compare_decord
from msnet.data.prepare import read_list
from msnet.data.readers import read_clip
from msnet.data.video_io import decode_all, write_video


def test_the_check_finds_decord_wrong_on_b_frame_avi_and_transcoding_fixes_it(prepared):
    """HMDB-51's case, reproduced: MPEG-4 Part 2 AVI with B-frames. Every container is checked, none trusted."""
    result = json.loads((prepared["hmdb51"] / "decode_check.json").read_text())
    group = result["groups"][".avi/mpeg4"]
    assert group["verdict"] == "unsafe for decord" and group["wrong_frames"] > 0
    assert result["replaced"] == 40 and result["after_fix"] == {"checked": 8, "wrong_videos": 0}
    media = [m for m, _, _ in read_list(prepared["hmdb51"] / "train.txt")]
    assert all(m.endswith(".mp4") and "transcoded" in m for m in media)


def test_containers_decord_reads_right_are_left_alone(prepared):
    for dataset, group in [("ssv2", ".webm/vp9"), ("kinetics", ".mp4/h264"), ("ssv1", "frames/jpeg")]:
        result = json.loads((prepared[dataset] / "decode_check.json").read_text())
        assert result["groups"][group]["verdict"] == "ok" and result["replaced"] == 0, dataset
        assert (prepared[dataset] / "train.txt").read_text() == (prepared[dataset] / "listed/train.txt").read_text()


def test_loaded_frames_equal_pyav_ground_truth_after_the_check(prepared):
    """What the loader returns for the fixed HMDB-51 list is what PyAV decodes from the original AVI."""
    info = json.loads((prepared["hmdb51"] / "summary.json").read_text())
    from pathlib import Path

    root = Path(info["root"])
    original = read_list(prepared["hmdb51"] / "listed/train.txt")[0][0]
    fixed = read_list(prepared["hmdb51"] / "train.txt")[0][0]
    truth = torch.from_numpy(decode_all(root / original)).permute(0, 3, 1, 2)
    ids = [2, 7, 3, 9]
    got = read_clip(root / fixed, ids).float()
    distance = (got[:, None] - truth[None].float()).abs().mean(dim=(2, 3, 4))  # (requested, every original frame)
    assert distance.argmin(dim=1).tolist() == [i - 1 for i in ids]  # each is the requested frame, not a neighbour
    assert distance.min(dim=1).values.max() < 4.0  # up to one lossy H.264 re-encode


def test_frame_counts_come_from_decoding_not_from_the_list(prepared, tmp_path):
    folder = tmp_path / "p"
    shutil.copytree(prepared["kinetics"], folder)
    listed = folder / "listed" / "train.txt"
    rows = listed.read_text().splitlines()
    media, frames, label = rows[0].rsplit(maxsplit=2)
    rows[0] = f"{media} {int(frames) + 1} {label}"  # a container that declares one frame too many
    listed.write_text("\n".join(rows) + "\n")
    result = check_decoding(folder, sample=1000, workers=1, progress=False)
    assert result["count_corrected"] == 1
    assert read_list(folder / "train.txt")[0][1] == int(frames)


def test_compare_decord_counts_wrong_frames_against_the_truth(tmp_path):
    frames = np.random.default_rng(0).integers(0, 255, (12, 32, 64, 3), dtype=np.uint8)
    path = tmp_path / "clip.mp4"
    write_video(path, frames)
    truth = decode_all(path)
    assert compare_decord(path, truth, np.random.default_rng(1))["wrong"] == 0
    shifted = np.roll(truth, 1, axis=0)  # a reader that returns the previous frame everywhere
    assert compare_decord(path, shifted, np.random.default_rng(1))["wrong"] > 0
