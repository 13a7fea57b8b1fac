#!/usr/bin/env python3
"""Training throughput of sinew-train (env steps/s, simulation/learning split) on the arm,
BimanualMuscle and MyoFullBody, printed as the markdown table of docs/benchmarks.md.

    python3 benchmarks/train_throughput.py --train build/tools/sinew-train [--backend omp|cuda]
        [--updates N] [--only arm,bimanual,myofullbody] [--preset-networks]

Each model trains for N updates (the first is left out of the means: it allocates and warms
the caches) on a motion that holds the model's first keyframe (the physics costs the same as
for any motion; the metric is speed, not learning). The real models come from the
musclemimic-models wheel (tests/requirements.txt). By default the networks are the CPU-sized
2 x 256 with Adam (docs/training.md); --preset-networks keeps each preset's networks and
optimizer (MuscleMimic's 4 x 1024 / 16 x 1024 with Muon: GPU-sized).
"""
import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
from models_util import standing_motion  # noqa: E402  (the tests' helper: a motion holding the first keyframe)


def models():
    import musclemimic_models
    return {
        "arm": (f"{ROOT}/models/arm.xml", f"{ROOT}/models/arm_reach.npz", "arm", 128),
        "bimanual": (str(musclemimic_models.get_xml_path("bimanual")), None, "bimanual", 256),
        "myofullbody": (str(musclemimic_models.get_xml_path("myofullbody")), None, "fullbody", 256),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", default=f"{ROOT}/build/tools/sinew-train")
    ap.add_argument("--backend", default="omp")
    ap.add_argument("--updates", type=int, default=4)
    ap.add_argument("--only", default="arm,bimanual,myofullbody")
    ap.add_argument("--nworld", type=int, default=0, help="worlds (0: 128 for the arm, 256 otherwise)")
    ap.add_argument("--preset-networks", action="store_true")
    a = ap.parse_args()
    table = models()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; backend {a.backend}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.only.split(","):
            xml, motion, preset, nworld = table[name]
            nworld = a.nworld or nworld
            if motion is None:
                motion = f"{tmp}/{name}_stand.npz"
                standing_motion(xml, motion, seconds=2.0)
            sets = []
            if not a.preset_networks and preset != "arm":
                sets = ["actor_hidden=256,256", "critic_hidden=256,256", "optimizer=adam"]
            out = f"{tmp}/{name}"
            cmd = [a.train, "--model", xml, "--motion", motion, "--out", out, "--preset", preset, "--nworld", str(nworld),
                   "--backend", a.backend, "--quiet", "--set", "checkpoint_every=1000000"]
            for s in sets:
                cmd += ["--set", s]
            helptext = subprocess.run([a.train, "--help", "--preset", preset], capture_output=True, text=True).stdout
            param = {ln.split()[0]: ln.split()[1].strip("\"") for ln in helptext.splitlines() if ln.startswith("  ") and len(ln.split()) > 1}
            per_update = nworld * int(param["nsteps"])
            print(f"{name}: {per_update} env steps per update, {a.updates} updates ...", file=sys.stderr, flush=True)
            r = subprocess.run(cmd + ["--steps", str(per_update * a.updates)], capture_output=True, text=True)
            if r.returncode:
                sys.exit(r.stderr)
            rows_all = list(csv.DictReader(open(out + "/log.csv")))
            log = rows_all[1:] or rows_all
            sps = np.array([float(x["env_steps_per_s"]) for x in log])
            sim = np.array([float(x["sim_share"]) for x in log])
            nets = "2 x 256, Adam" if sets else f"{param['actor_hidden']}, {param['optimizer']}"
            rows.append((name, preset, nets, nworld, per_update // nworld, np.mean(sps), np.mean(sim)))
    print("| model | preset / networks | worlds x steps per update | env steps/s | simulation / learning |")
    print("|---|---|---|---|---|")
    for name, preset, nets, nw, T, sps, sim in rows:
        print(f"| {name} | {preset}: {nets} | {nw} x {T} | {sps:,.0f} | {100 * sim:.0f} % / {100 * (1 - sim):.0f} % |")


if __name__ == "__main__":
    main()
