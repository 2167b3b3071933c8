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


def torch_python():
    """The Python that has PyTorch: $LTHKIT_TORCH_PYTHON, else .venv-torch (`make
    torch-venv`), else this one if it imports torch; None if there is none."""
    import importlib.util
    import os
    import sys
    from pathlib import Path
    if os.environ.get("LTHKIT_TORCH_PYTHON"):
        return os.environ["LTHKIT_TORCH_PYTHON"]
    own = Path(__file__).resolve().parents[1] / ".venv-torch" / "bin" / "python"
    if own.exists():
        return str(own)
    return sys.executable if importlib.util.find_spec("torch") else None


class TorchProcess:
    """PyTorch's training steps in a process of their own (`_torch_worker.py`), so that it
    runs from its own venv. `step()` is a timer for `alternating_medians`; `peak()` the
    GFLOP/s of a large fp32 product there."""

    def __init__(self, python, model, args, batches, bf16=False):
        import json
        import subprocess
        import tempfile
        from pathlib import Path

        import numpy as np
        self._dir = tempfile.TemporaryDirectory()
        path = Path(self._dir.name) / "batches.npz"
        np.savez(path, **{f"{k}{i}": v for i, (x, y) in enumerate(batches)
                          for k, v in (("x", x), ("y", y))})
        self._proc = subprocess.Popen(
            [python, str(Path(__file__).with_name("_torch_worker.py"))], text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.version = self._ask(json.dumps({"model": model, "args": args,
                                             "batches": str(path), "bf16": bf16}), "ready")

    def _ask(self, line, key):
        import json
        self._proc.stdin.write(line + "\n")
        self._proc.stdin.flush()
        answer = self._proc.stdout.readline()
        if not answer:
            raise RuntimeError("the PyTorch worker stopped (its error is printed above)")
        return json.loads(answer)[key]

    def step(self):
        return self._ask("step", "step")

    def peak(self):
        return self._ask("peak", "peak")

    def close(self):
        if self._proc.poll() is None:
            self._proc.stdin.write("quit\n")
            self._proc.stdin.close()
            self._proc.wait()
        self._dir.cleanup()
