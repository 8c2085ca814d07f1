"""Frame extraction: shards, resume, merged lists that read the same frames as the videos."""

import shutil

import pytest
from PIL import Image

from msnet.data.dataset import VideoDataset
from msnet.data.extract import extract_shard, folder_for, merge_frame_lists, videos
from msnet.data.formats import DataError
from msnet.data.transforms import recipe


@pytest.fixture
def folder(prepared, tmp_path):
    out = tmp_path / "kinetics"
    shutil.copytree(prepared["kinetics"], out)
    return out


def test_shards_split_the_videos_and_the_merged_lists_read_the_same_frames(folder):
    first, second = extract_shard(folder, 0, 2, progress=False), extract_shard(folder, 1, 2, progress=False)
    assert set(first["frames"]).isdisjoint(second["frames"])
    assert len(first["frames"]) + len(second["frames"]) == len(videos(folder)) == 40
    summary = merge_frame_lists(folder, 2)
    assert summary["lists"] == {"train": 32, "val": 8} and summary["failed"] == {}
    transform = recipe("kinetics", False, crop=32)
    from_video = VideoDataset(folder, "val", 4, transform, protocol="val")
    from_frames = VideoDataset(folder, "val", 4, transform, protocol="val", lists="frames")
    assert from_frames.items[0][1:] == from_video.items[0][1:]
    assert (from_frames[0][0] - from_video[0][0]).abs().mean() < 0.1  # JPEG at quality 90 vs the decoded video


def test_extraction_resumes_and_redoes_only_unfinished_folders(folder):
    extract_shard(folder, 0, 1, progress=False)
    media = videos(folder)
    done, killed = folder_for(folder, media[0]), folder_for(folder, media[1])
    stamp = done.stat().st_mtime_ns
    shutil.rmtree(killed)  # as if the job died before this video's folder was renamed into place
    killed.with_name(killed.name + ".partial").mkdir()
    extract_shard(folder, 0, 1, progress=False)
    assert done.stat().st_mtime_ns == stamp  # untouched
    assert len(list(killed.glob("img_*.jpg"))) == 10 and not killed.with_name(killed.name + ".partial").exists()


def test_short_side_resizes_and_merge_needs_every_shard(folder):
    extract_shard(folder, 0, 2, short_side=16, progress=False)
    frame = next(folder_for(folder, videos(folder)[0]).glob("img_00001.jpg"))
    assert min(Image.open(frame).size) == 16
    with pytest.raises(DataError, match="shard-1-of-2.json: missing"):
        merge_frame_lists(folder, 2)
