"""PyTorch's side of a benchmark, in its own process (and its own venv: `make torch-venv`).

The benchmark starts this script with PyTorch's Python, sends one JSON line describing the
model and where its batches are (an .npz of x0, y0, x1, y1, ...), then one command per line:
`step` (one pass of Adam steps over the batches: prints seconds per step), `peak` (prints
the GFLOP/s of a large fp32 matrix product), `quit`. Each answer is one JSON line.

PyTorch runs at its best here: as many threads as CPUs, and `set_flush_denormal(True)` (on
this CPU `nn.LSTM` without it runs into denormal numbers past ~150 tokens and a step takes
13-25 s instead of 2-4 s; a comparison against that would not be one).
"""
import json
import os
import sys
import time

import numpy as np
import torch


def bilstm(vocab, units, embed=100):
    class BiLSTM(torch.nn.Module):
        """[TXT]'s network: embedding, 2 bidirectional LSTM layers, dropout, one logit."""

        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(vocab, embed, padding_idx=0)
            self.lstm = torch.nn.LSTM(embed, units, num_layers=2, bidirectional=True,
                                      batch_first=True)
            self.dropout = torch.nn.Dropout(0.5)
            self.out = torch.nn.Linear(2 * units, 1)

        def forward(self, x):
            _, (h, _) = self.lstm(self.embedding(x))
            return self.out(self.dropout(torch.cat([h[-2], h[-1]], dim=1))).squeeze(1)
    return BiLSTM()


MODELS = {"bilstm": bilstm}


def main():
    torch.set_flush_denormal(True)
    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(0)
    config = json.loads(sys.stdin.readline())
    model = MODELS[config["model"]](**config["args"])
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    stored = np.load(config["batches"])
    data = [(torch.from_numpy(stored[f"x{i}"].astype(np.int64)),
             torch.from_numpy(stored[f"y{i}"].astype(np.float32)))
            for i in range(len(stored.files) // 2)]
    precision = torch.autocast("cpu", dtype=torch.bfloat16) if config.get("bf16") else None

    def step():
        t = time.perf_counter()
        for x, y in data:
            opt.zero_grad()
            if precision:
                with precision:
                    loss = loss_fn(model(x).float(), y)
            else:
                loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
        return (time.perf_counter() - t) / len(data)

    def peak():
        a, b = torch.ones(6400, 512), torch.full((512, 1024), 1e-3)
        best = float("inf")
        for _ in range(5):
            t = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - t)
        return 2 * 6400 * 512 * 1024 / best / 1e9

    step()  # warm up
    print(json.dumps({"ready": torch.__version__}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            break
        print(json.dumps({command: {"step": step, "peak": peak}[command]()}), flush=True)


if __name__ == "__main__":
    main()
