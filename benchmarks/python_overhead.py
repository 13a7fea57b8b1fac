#!/usr/bin/env python3
"""What calling Sinew from Python costs: the `sinew` package (pip install ./python) against the
same work done in one C++ call.

    python3 benchmarks/python_overhead.py [--model models/arm.xml] [--nworld 1,64,1024]

- Batch.step(): seconds per call of step(1) against step(100) / 100 (the C++ loop inside one call):
  the difference is the Python and binding overhead per call;
- ImitationEnv.step(): environment steps/s through the Gymnasium API (copies of the outputs
  included) on the arm with 256 worlds.
Timings are CPU timings of this machine; docs/python.md keeps the last table.
"""
import argparse
import os
import platform
import time

import numpy as np

import sinew

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def per_call(f, n, reps=5):
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=f"{ROOT}/models/arm.xml")
    ap.add_argument("--nworld", default="1,64,1024")
    a = ap.parse_args()
    m = sinew.Model.from_xml_path(a.model)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print("| nworld | step(1) per call | step(100) / 100 | overhead per call | world-steps/s via step(1) |")
    print("|---|---|---|---|---|")
    for nw in [int(x) for x in a.nworld.split(",")]:
        b = sinew.Batch(m, nw)
        one = per_call(lambda: b.step(1), max(20, 2000 // nw))
        many = per_call(lambda: b.step(100), max(2, 20 // nw)) / 100
        print(f"| {nw} | {one * 1e6:.1f} us | {many * 1e6:.1f} us | {(one - many) * 1e6:.1f} us | {nw / one:,.0f} |")
    env = sinew.ImitationEnv(m, f"{ROOT}/models/arm_reach.npz", 256, preset="arm", seed=0)
    env.reset(seed=0)
    act = np.zeros((256, env.single_action_space.shape[0]), np.float32)
    t = per_call(lambda: env.step(act), 50, reps=3)
    print(f"\nImitationEnv (arm, 256 worlds, 5 substeps): {256 / t:,.0f} env steps/s through Python ({t * 1e3:.2f} ms per step call)")


if __name__ == "__main__":
    main()
