"""Loader throughput vs the training step it feeds (pytest-benchmark; ratios in conftest).

Both are timed per batch of 8 clips of 8 frames at the synthetic benchmark's training crop (64): the loader with 2
workers and a persistent iterator (decode + sample + augment), TSM-R18's forward + backward + SGD step on the main
process. The ratio train step / loader batch says how many times faster the loader is (target >= 3).
"""

import itertools

import pytest
import torch
from torch.utils.data import DataLoader

from msnet import create_model
from msnet.data.decode_check import check_decoding
from msnet.data.dataset import VideoDataset, collate_skipping
from msnet.data.prepare import prepare
from msnet.data.synth_writer import write_benchmark
from msnet.data.synthetic import SynthConfig
from msnet.data.transforms import recipe

BATCH, FRAMES, CROP = 8, 8, 64


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    base = tmp_path_factory.mktemp("loader")
    out = {}
    for name in ("ssv1", "ssv2", "kinetics"):
        write_benchmark(name, base / name, SynthConfig(), videos=96, seed=0, workers=2, progress=False)
        prepare(name, base / name, base / f"{name}-prepared", progress=False)
        check_decoding(base / f"{name}-prepared", sample=8, progress=False)
        out[name] = base / f"{name}-prepared"
    return out


@pytest.mark.parametrize("dataset", ["ssv1", "ssv2", "kinetics"])
def test_loader_batch(benchmark, prepared, dataset):
    data = VideoDataset(prepared[dataset], "train", FRAMES, recipe(dataset, True, crop=CROP))
    loader = DataLoader(data, batch_size=BATCH, shuffle=True, num_workers=2, persistent_workers=True,
                        collate_fn=collate_skipping, drop_last=True)
    batches = itertools.chain.from_iterable(itertools.repeat(loader))
    next(batches)  # workers started
    benchmark.pedantic(lambda: next(batches), rounds=20, warmup_rounds=2)


def test_tsm_r18_train_step(benchmark):
    model = create_model("tsm_r18", num_frames=FRAMES, num_classes=16).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    clips, labels = torch.randn(BATCH * FRAMES, 3, CROP, CROP), torch.randint(0, 16, (BATCH,))

    def step():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(clips), labels).backward()
        optimizer.step()

    benchmark.pedantic(step, rounds=10, warmup_rounds=2)
