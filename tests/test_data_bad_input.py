"""Bad input: strict mode stops with the file (and line) named; lenient mode skips, counts and records every item."""

import shutil
from pathlib import Path

import av
import pytest

from msnet.data.dataset import VideoDataset, collate_skipping, read_skips
from msnet.data.decode_check import check_decoding
from msnet.data.formats import DataError
from msnet.data.integrity import IncompleteMedia, check_not_truncated
from msnet.data.prepare import prepare
from msnet.data.transforms import recipe
from msnet.data.video_io import decode_all


@pytest.fixture
def copy(synthetic_roots, tmp_path):
    """A private copy of one synthetic dataset to damage."""

    def make(name):
        root = tmp_path / name
        shutil.copytree(synthetic_roots[name], root)
        return root

    return make


def both_modes(dataset, root, out, match, **options):
    """Strict raises a DataError matching ``match``; lenient returns the summary with the item skipped."""
    with pytest.raises(DataError, match=match):
        prepare(dataset, root, out / "strict", progress=False, **options)
    summary = prepare(dataset, root, out / "lenient", strict=False, progress=False, **options)
    skipped = (out / "lenient" / "skipped.csv").read_text()
    assert summary["skipped"] >= 1 and summary["skipped"] == len(skipped.splitlines()) - 1
    return summary, skipped


def append_line(path, text):
    with path.open("a") as f:
        f.write(text + "\n")


def test_malformed_ssv1_line_names_file_and_line(copy, tmp_path):
    root = copy("ssv1")
    path = root / "something-something-v1-train.csv"
    append_line(path, "this line has no separator")
    line = len(path.read_text().splitlines())
    summary, skipped = both_modes("ssv1", root, tmp_path, rf"v1-train\.csv:{line}: expected 'id;label'")
    assert "this line has no separator" in skipped


def test_unknown_class_name_is_an_error_or_a_counted_skip(copy, tmp_path):
    root = copy("ssv1")
    append_line(root / "something-something-v1-validation.csv", "99999;Juggling something invisible")
    summary, skipped = both_modes("ssv1", root, tmp_path, "unknown class")
    assert summary["skipped_by_reason"] == {"unknown class (not in something-something-v1-labels.csv)": 1}


def test_unreadable_json_names_the_file_and_line(copy, tmp_path):
    root = copy("ssv2")
    path = root / "labels/something-something-v2-train.json"
    path.write_text(path.read_text()[:200])  # cut mid-object
    with pytest.raises(DataError, match=r"v2-train\.json:\d+: unreadable JSON"):
        prepare("ssv2", root, tmp_path / "out", strict=False, progress=False)  # not even lenient can parse it


def test_kinetics_header_and_malformed_rows(copy, tmp_path):
    root = copy("kinetics")
    path = root / "kinetics400/annotations/train.csv"
    append_line(path, "juggling,abcdefghijk,notanumber,10,train")
    both_modes("kinetics", root, tmp_path, r"train\.csv:\d+: expected label,youtube_id")
    path.write_text("name,id\n" + path.read_text().split("\n", 1)[1])
    with pytest.raises(DataError, match=r"train\.csv:1: expected the header"):
        prepare("kinetics", root, tmp_path / "header", strict=False, progress=False)


def test_hmdb51_bad_split_code(copy, tmp_path):
    root = copy("hmdb51")
    path = next((root / "hmdb51/testTrainMulti_7030_splits").glob("*_test_split1.txt"))
    append_line(path, "some_video.avi 7")
    both_modes("hmdb51", root, tmp_path, r"_test_split1\.txt:\d+: expected '<video>.avi <0\|1\|2>'")


def test_missing_videos_are_listed_and_counted_not_dropped_silently(copy, tmp_path):
    root = copy("kinetics")
    victim = next((root / "kinetics400/train").glob("*.mp4"))
    victim.unlink()
    summary = prepare("kinetics", root, tmp_path / "out", progress=False)  # strict: missing is not an error
    assert summary["splits"]["train"]["missing"] == 1
    assert victim.name in (tmp_path / "out/missing.txt").read_text()
    assert summary["splits"]["train"]["written"] == summary["splits"]["train"]["listed"] - 1


def test_missing_frame_file_names_the_file(copy, tmp_path):
    root = copy("ssv1")
    folder = root / "20bn-something-something-v1" / "1"
    (folder / "00003.jpg").unlink()
    summary, skipped = both_modes("ssv1", root, tmp_path, r"1/00003\.jpg: missing frame file")
    assert summary["skipped_by_reason"] == {"frame gap": 1}


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage"])
def test_empty_truncated_or_garbage_videos_name_the_file(copy, tmp_path, damage):
    root = copy("kinetics")
    victim = sorted((root / "kinetics400/train").glob("*.mp4"))[0]
    data = victim.read_bytes()
    victim.write_bytes({"empty": b"", "truncated": data[: len(data) // 2], "garbage": b"\x00junk" * 200}[damage])
    both_modes("kinetics", root, tmp_path, victim.name)


def rewrite_faststart(path):
    """Re-encode an MP4 with its index at the front, as YouTube's MP4s are: cut short, it still opens and declares
    its full length (an index at the end is lost with the cut, and the file does not open at all)."""
    frames = decode_all(path)
    with av.open(str(path), "w", format="mp4", options={"movflags": "faststart"}) as container:
        stream = container.add_stream("libx264", rate=12)
        stream.height, stream.width, stream.pix_fmt = *frames.shape[1:3], "yuv420p"
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())
    return len(frames)


@pytest.mark.parametrize("verify", ["header", "decode"])
@pytest.mark.parametrize("dataset, suffix, kept", [("kinetics", ".mp4", 0.5), ("ssv2", ".webm", 0.5),
                                                   ("hmdb51", ".avi", 0.9)])
def test_truncated_video_is_named_or_counted_with_its_declared_length(copy, tmp_path, dataset, suffix, kept, verify):
    """MP4 and AVI declare a frame count, WebM a duration: each cut file is caught by what it declares. (The tiny
    AVI's first keyframe is most of its bytes: cut at half, the file no longer opens, an error caught before.)"""
    root = copy(dataset)
    victim = sorted(root.rglob(f"*{suffix}"))[0]
    frames = rewrite_faststart(victim) if suffix == ".mp4" else len(decode_all(victim))
    whole = prepare(dataset, root, tmp_path / "whole", verify=verify, progress=False)  # no false alarm when whole
    assert whole["skipped"] == 0
    data = victim.read_bytes()
    victim.write_bytes(data[: int(len(data) * kept)])
    found = r"(decoded \d+|\d+ packets present)" if verify == "decode" else r"\d+ packets present"
    summary, skipped = both_modes(dataset, root, tmp_path, rf"{victim.name}: truncated: declared {frames}, {found}",
                                  verify=verify)
    assert summary["skipped_by_reason"] == {"truncated": 1} and f"declared {frames}" in skipped


def test_truncation_tolerance_allows_a_frame_or_two_not_a_cut():
    """A container declaring a frame or two more than it holds is not truncated (seen on real H.264 MP4s)."""
    check_not_truncated(Path("v.mp4"), declared=60, present=58)
    check_not_truncated(Path("v.mp4"), declared=300, present=294)  # 2 %
    check_not_truncated(Path("v.webm"), declared=0, present=5)  # nothing declared: nothing to check
    with pytest.raises(IncompleteMedia, match=r"v\.mp4: truncated: declared 300, decoded 290"):
        check_not_truncated(Path("v.mp4"), declared=300, present=293, decoded=290)


def test_corrupt_jpeg_fails_the_decode_check_and_the_loader_names_it(copy, tmp_path):
    root = copy("ssv1")
    bad = root / "20bn-something-something-v1" / "2" / "00004.jpg"
    bad.write_bytes(b"not a jpeg at all")
    prepare("ssv1", root, tmp_path / "strict", progress=False)  # a header-level prepare does not decode JPEGs
    with pytest.raises(DataError, match=r"2/00004\.jpg: unreadable JPEG"):
        check_decoding(tmp_path / "strict", sample=100, workers=1, progress=False)
    lenient = prepare("ssv1", root, tmp_path / "lenient", strict=False, progress=False)
    assert lenient["skipped"] == 0  # the folder looks complete; the check drops it and says so
    result = check_decoding(tmp_path / "lenient", sample=100, workers=1, progress=False)
    assert result["unreadable_dropped"] == 1


def test_lenient_loader_skips_and_logs_bad_clips_strict_loader_names_them(prepared, tmp_path):
    folder = tmp_path / "prepared"
    shutil.copytree(prepared["kinetics"], folder)
    rows = (folder / "train.txt").read_text().splitlines()
    media, frames, label = rows[0].rsplit(maxsplit=2)
    rows[0] = f"kinetics400/train/not_there.mp4 {frames} {label}"
    (folder / "train.txt").write_text("\n".join(rows) + "\n")
    transform = recipe("kinetics", True, crop=32)
    strict = VideoDataset(folder, "train", 4, transform)
    with pytest.raises(DataError, match="not_there.mp4: video or frame folder not found"):
        strict[0]
    log = tmp_path / "skips.tsv"
    lenient = VideoDataset(folder, "train", 4, transform, lenient=True, skip_log=log)
    batch = collate_skipping([lenient[0], lenient[1], lenient[2]])
    assert batch[0].shape[0] == 2 and batch[2].tolist() == [1, 2]
    skips = read_skips(log)
    assert [(s["epoch"], s["media"]) for s in skips] == [(0, "kinetics400/train/not_there.mp4")]
    assert "video or frame folder not found" in skips[0]["reason"]
