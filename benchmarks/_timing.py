"""Timing helpers the benchmark scripts share (imported as `from _timing import ...`, since a
script's own folder is first on sys.path)."""
import statistics
import time

import keras


class Fixed(keras.utils.PyDataset):
    """The same batches every time (so every repeat does the same arithmetic)."""

    def __init__(self, batches):
        super().__init__()
        self.batches = batches

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, i):
        return self.batches[i]


def keras_seconds_per_step(model, batches):
    """Seconds per step of one `fit` pass over `batches` (the model compiled already)."""
    t = time.perf_counter()
    model.fit(Fixed(batches), epochs=1, verbose=0, shuffle=False)
    return (time.perf_counter() - t) / len(batches)


def torch_step_timer(model, batches, loss_fn, learning_rate=1e-3):
    """A function timing one pass of Adam steps of a PyTorch `model` over `batches` (numpy
    (x, y) pairs), in seconds per step; warmed up once."""
    import numpy as np
    import torch
    opt = torch.optim.Adam(model.parameters(), learning_rate)
    data = [(torch.from_numpy(x.astype(np.int64)), torch.from_numpy(y.astype(np.float32)))
            for x, y in batches]

    def run():
        t = time.perf_counter()
        for x, y in data:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
        return (time.perf_counter() - t) / len(data)
    run()
    return run


def alternating_medians(timers, repeats):
    """{name: median seconds} of `repeats` rounds that call every timer once in turn (so a
    change in the machine's load hits every implementation alike)."""
    times = {k: [] for k in timers}
    for _ in range(repeats):
        for k, run in timers.items():
            times[k].append(run())
    return {k: statistics.median(v) for k, v in times.items()}
