"""How long the first tokenization of IMDb takes, and what the cache saves.

    python benchmarks/bench_tokenize.py [--mirror PATH] [--dataset imdb] [--verify]

Prints the time to read and clean the raw reviews, to tokenize them with lthkit's fast
path (``tokenize_corpus``), the per-document reference (``tokenize``, timed on a sample
and extrapolated), and ``load_dataset`` on a fresh cache (first run) and again (cached).
``--verify`` compares the fast path with the reference on every document (about a
minute for IMDb on one core). Uses a temporary cache; the mirror defaults to
``$LTHKIT_DATA_MIRROR`` or ``../shared/data``.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lthkit.data import load_dataset  # noqa: E402
from lthkit.data.download import resolve  # noqa: E402
from lthkit.data.readers import READERS  # noqa: E402
from lthkit.data.sources import SOURCES  # noqa: E402
from lthkit.data.tokenize import tokenize, tokenize_corpus  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", default=os.environ.get("LTHKIT_DATA_MIRROR")
                        or str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--dataset", default="imdb", choices=sorted(READERS))
    parser.add_argument("--sample", type=int, default=2000,
                        help="documents to time the reference tokenizer on")
    parser.add_argument("--verify", action="store_true",
                        help="compare fast path and reference on every document")
    args = parser.parse_args()

    start = time.perf_counter()
    raw = READERS[args.dataset](resolve(SOURCES[args.dataset], args.mirror).files())
    read_s = time.perf_counter() - start
    texts = raw.texts

    start = time.perf_counter()
    corpus = tokenize_corpus(texts)
    fast_s = time.perf_counter() - start

    sample = texts[:: max(1, len(texts) // args.sample)][: args.sample]
    start = time.perf_counter()
    for text in sample:
        tokenize(text)
    reference_s = (time.perf_counter() - start) * len(texts) / max(1, len(sample))

    with tempfile.TemporaryDirectory(prefix="lthkit-bench-") as cache:
        os.environ["LTHKIT_CACHE_DIR"] = cache
        start = time.perf_counter()
        load_dataset(args.dataset, mirror=args.mirror)
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        load_dataset(args.dataset, mirror=args.mirror)
        cached_s = time.perf_counter() - start
        start = time.perf_counter()
        load_dataset(args.dataset, mirror=args.mirror, max_len=200, vocab_size=25_000)
        resettings_s = time.perf_counter() - start

    rows = [
        (f"read + clean {len(texts):,} documents", read_s),
        (f"tokenize, fast path ({len(corpus.ids):,} tokens)", fast_s),
        (f"tokenize, reference per document (from {len(sample):,} docs)", reference_s),
        ("load_dataset, first run (fresh cache)", first_s),
        ("load_dataset, second run (cached)", cached_s),
        ("load_dataset, other vocab_size/max_len (tokens cached)", resettings_s),
    ]
    print(f"{args.dataset}: {os.cpu_count()} CPUs")
    for label, seconds in rows:
        print(f"  {label:<60} {seconds:7.1f} s")

    if args.verify:
        start = time.perf_counter()
        same = sum(corpus.doc(i) == tokenize(text) for i, text in enumerate(texts))
        print(f"  verify: {same:,} / {len(texts):,} documents identical "
              f"({time.perf_counter() - start:.0f} s)")
        if same != len(texts):
            sys.exit(1)


if __name__ == "__main__":
    main()
