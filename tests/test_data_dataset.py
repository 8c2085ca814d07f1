"""The clip dataset: shapes per protocol, determinism per (seed, epoch, index), worker-independence."""

import torch
from torch.utils.data import DataLoader

from msnet.data.dataset import VideoDataset, collate_skipping
from msnet.data.transforms import recipe


def test_items_have_the_protocol_s_views_and_sorted_labels(prepared):
    for dataset in ("ssv1", "ssv2", "kinetics", "hmdb51"):
        train = VideoDataset(prepared[dataset], "train", 4, recipe(dataset, True, crop=32))
        x, label, index = train[0]
        assert x.shape == (1, 4, 3, 32, 32) and x.dtype == torch.float32 and 0 <= label < 16 and index == 0
        test = VideoDataset(prepared[dataset], "val", 4, recipe(dataset, False, crop=32, crops=3),
                            protocol="random_clips", clips=2)
        assert test[0][0].shape == (6, 4, 3, 36, 36)


def test_same_seed_epoch_index_same_clip_other_epoch_other_clip(prepared):
    make = lambda: VideoDataset(prepared["ssv1"], "train", 4, recipe("ssv1", True, crop=32), seed=7)  # noqa: E731
    a, b = make(), make()
    assert torch.equal(a[3][0], b[3][0])
    b.set_epoch(1)
    assert not torch.equal(a[3][0], b[3][0])


def test_workers_do_not_change_the_batches(prepared):
    dataset = VideoDataset(prepared["ssv2"], "train", 4, recipe("ssv2", True, crop=32))
    serial = [b[0] for b in DataLoader(dataset, batch_size=4, collate_fn=collate_skipping)]
    parallel = [b[0] for b in DataLoader(dataset, batch_size=4, num_workers=2, collate_fn=collate_skipping)]
    assert all(torch.equal(s, p) for s, p in zip(serial, parallel)) and len(serial) == len(parallel)


def test_pyav_backend_reads_what_decord_reads_on_safe_containers(prepared):
    a = VideoDataset(prepared["kinetics"], "val", 4, recipe("kinetics", False, crop=32), protocol="val")
    b = VideoDataset(prepared["kinetics"], "val", 4, recipe("kinetics", False, crop=32), protocol="val",
                     backend="pyav")
    assert torch.allclose(a[0][0], b[0][0])
