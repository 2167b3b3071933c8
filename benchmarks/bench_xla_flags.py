"""Does an XLA CPU option make training faster here? Seconds per step, one option at a time.

The stored runs are compute-bound on this CPU (the text CNN's step runs near the machine's
matrix-product rate), so the only cheap speed-up left would come from the compiler: XLA's
CPU backend can hand matrix products and convolutions to oneDNN, XNNPACK or YNNPACK instead
of its own Eigen kernels. Each option is timed in its own process (XLA reads its flags once),
the options in alternating order over the repeats, and the median printed next to the
default's. An option that needs a newer or older jaxlib fails to start and says so.

    .venv/bin/python benchmarks/bench_xla_flags.py [--model text_cnn|lenet|text_lstm]
        [--steps 24] [--repeats 3]

Run it on an otherwise idle machine (pause any training first: kill -STOP / -CONT).
"""
import argparse
import statistics

from bench_processes import MODELS, run

OPTIONS = {
    "default (Eigen)": "",
    "oneDNN custom calls": "--xla_cpu_experimental_onednn_custom_call=true",
    "oneDNN (use_onednn)": "--xla_cpu_use_onednn=true",
    "oneDNN fusions": "--xla_cpu_experimental_onednn_fusion_type="
                      "individual_convolution,individual_dot",
    "XNNPACK fusions": "--xla_cpu_experimental_xnn_fusion_type="
                       "individual_convolution,individual_dot",
    "YNNPACK fusions": "--xla_cpu_experimental_ynn_fusion_type="
                       "individual_convolution,individual_dot",
}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=MODELS, default="text_cnn")
    p.add_argument("--steps", type=int, default=24)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    times = {name: [] for name in OPTIONS}
    for r in range(a.repeats):
        names = list(OPTIONS) if r % 2 == 0 else list(OPTIONS)[::-1]
        for name in names:
            try:
                [rate] = run(a.model, a.steps, 1, {"XLA_FLAGS": OPTIONS[name]})
                times[name].append(1000 / rate)
            except Exception as err:  # an option this jaxlib does not know
                print(f"   {name}: did not run ({type(err).__name__})")
    base = statistics.median(times["default (Eigen)"])
    print(f"{a.model}, batch 64, {a.steps} steps, median of {a.repeats} processes per option")
    for name, ms in times.items():
        if ms:
            m = statistics.median(ms)
            print(f"   {name:22s} {m:8.1f} ms per step  ({m / base:4.2f}x the default)")


if __name__ == "__main__":
    main()
