"""What a result store holds: every experiment, how far it got, and how large it is.

    python -m lthkit.store results/

One row per experiment: its folder, model and data, the rounds and replicates stored per
branch, and the size of what is committed (metrics, masks, digests: enough to resume it
anywhere) next to the local weights (rebuilt on demand, ignored by git). Reads only.
"""
import argparse
import sys
from pathlib import Path

from lthkit._io import DamagedFile, load_json

COMMITTED = ("metrics.json", "mask.npz", "digests.json", "experiment.json", "dense.json")


def _size(paths):
    return sum(p.stat().st_size for p in paths)


def _mb(n):
    return f"{n / 2 ** 20:.1f} MB"


def summary(root):
    root = Path(root)
    rows = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = [p for p in folder.rglob("*") if p.is_file()]
        committed = [p for p in files if p.name in COMMITTED
                     or (p.suffix == ".json" and "damaged" not in p.name)]
        local = [p for p in files if p not in committed and "damaged" not in p.name]
        try:
            info = load_json(folder / "experiment.json") if (folder / "experiment.json").exists() \
                else load_json(folder / "dense.json")
        except (DamagedFile, FileNotFoundError):
            info = {}
        exp = info.get("experiment") or info.get("settings") or info.get("dense") or {}
        # an identity leaves out settings at their defaults (model lenet_300_100, data mnist)
        what = (f"{exp.get('model', {}).get('name', 'lenet_300_100')} / "
                f"{exp.get('data', {}).get('name', 'mnist')}")
        branches = {}
        for m in folder.glob("replicate-*/*/round-*/metrics.json"):
            branches.setdefault(m.parts[-3], set()).add((m.parts[-4], m.parts[-2]))
        stored = ", ".join(f"{b} {len(v)}" for b, v in sorted(branches.items())) or \
            f"dense {len(list(folder.glob('replicate-*/metrics.json')))}"
        rows.append((folder.name, what, stored, _mb(_size(committed)), _mb(_size(local))))
    widths = [max(len(r[i]) for r in rows + [HEADER]) for i in range(5)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(HEADER, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    total = _size(p for p in root.rglob("*") if p.is_file() and p.name in COMMITTED)
    lines.append(f"committed in all: {_mb(total)}")
    return "\n".join(lines)


HEADER = ("folder", "model / data", "rounds stored", "committed", "local weights")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m lthkit.store", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("root", nargs="?", default="results")
    a = p.parse_args(argv)
    if not Path(a.root).is_dir():
        print(f"python -m lthkit.store: {a.root} is not a folder", file=sys.stderr)
        return 2
    print(summary(a.root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
