#!/usr/bin/env python3
"""Many worlds on the CPU: Sinew's batched step against MuJoCo's own multi-threaded
`mujoco.rollout` (a thread carries a chunk of worlds through all the steps, no barrier per step),
on the same machine, in the same run, with the same threads.

    python3 benchmarks/rollout_peer.py [--nworld 64] [--threads 1,2] [--models arm,bimanual,myofullbody]
                                       [--load] [--reps 3]

Both engines run MuscleMimic's training options (timestep 0.002, iterations 4, ls_iterations 8,
eulerdamp disabled), with their sensor stage disabled, from the model's first keyframe (or qpos0)
with per-world random controls and activations (uniform in ctrlrange / actrange), held for the
whole rollout. MuJoCo: `mujoco.rollout.Rollout(nthread=T)` (persistent pool, one MjData per thread,
its default chunking), which also writes every world's state after every step (nworld x nstep x
nstate doubles). Sinew: `sinew.Batch(model, nworld, threads=T).step(nstep)` (exec::OpenMP, one
parallel region for all the steps), in double and float; nothing recorded. Figures are world-steps
per second (wall clock, best of --reps); ratio = Sinew / MuJoCo.

--load adds a competing load: one busy process per core minus one runs beside every measurement
(cores shared with other work, as on a busy workstation or a CI machine).
The package must be installed (pip install ./python); docs/benchmarks.md keeps the last table.
"""
import argparse
import multiprocessing as mp
import os
import platform
import time

import mujoco
import numpy as np
from mujoco import rollout

import sinew

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NSTEP = {"arm": 2000, "bimanual": 200, "myofullbody": 60}


def model_path(name):
    if name == "arm":
        return f"{ROOT}/models/arm.xml"
    import musclemimic_models

    return str(musclemimic_models.get_xml_path(name))


def inputs(m, nworld, seed=1000):
    """Per-world controls and activations, as benchmarks/bench_step_vs_mujoco.cpp draws them."""
    ctrl = np.zeros((nworld, m.nu))
    act = np.zeros((nworld, m.na))
    for w in range(nworld):
        rng = np.random.default_rng(seed + w)
        lo = np.where(m.actuator_ctrllimited, m.actuator_ctrlrange[:, 0], 0.0)
        hi = np.where(m.actuator_ctrllimited, m.actuator_ctrlrange[:, 1], 1.0)
        ctrl[w] = lo + (hi - lo) * rng.random(m.nu)
        for i in range(m.nu):
            for k in range(m.actuator_actnum[i]):
                lo_a = m.actuator_actrange[i, 0] if m.actuator_actlimited[i] else 0.0
                hi_a = m.actuator_actrange[i, 1] if m.actuator_actlimited[i] else 1.0
                act[w, m.actuator_actadr[i] + k] = lo_a + (hi_a - lo_a) * rng.random()
    return ctrl, act


def mm_options_mujoco(m):
    m.opt.timestep, m.opt.iterations, m.opt.ls_iterations = 0.002, 4, 8
    m.opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_EULERDAMP | mujoco.mjtDisableBit.mjDSBL_SENSOR


def mm_options_sinew(m):
    for k, v in [("timestep", "0.002"), ("iterations", "4"), ("ls_iterations", "8"), ("flag.eulerdamp", "disable"),
                 ("flag.sensor", "disable")]:
        m.apply_option(k, v)


def best(f, reps):
    t = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        t = min(t, time.perf_counter() - t0)
    return t


def run_mujoco(path, nworld, nstep, threads, reps):
    m = mujoco.MjModel.from_xml_path(path)
    mm_options_mujoco(m)
    d = mujoco.MjData(m)
    ctrl, act = inputs(m, nworld)
    spec = mujoco.mjtState.mjSTATE_FULLPHYSICS
    state = np.zeros((nworld, mujoco.mj_stateSize(m, spec)))
    for w in range(nworld):
        if m.nkey:
            mujoco.mj_resetDataKeyframe(m, d, 0)
        else:
            mujoco.mj_resetData(m, d)
        d.act[:] = act[w]
        mujoco.mj_getState(m, d, state[w], spec)
    control = np.repeat(ctrl[:, None, :], nstep, axis=1)  # held for the whole rollout
    datas = [mujoco.MjData(m) for _ in range(threads)]
    out = np.zeros((nworld, nstep, state.shape[1]))
    with rollout.Rollout(nthread=threads) as r:
        def go():
            r.rollout([m] * nworld, datas, state, control, nstep=nstep, state=out)

        go()  # warm-up (pool start)
        return nworld * nstep / best(go, reps)


def run_sinew(path, nworld, nstep, threads, reps, precision):
    m = sinew.Model.from_xml_path(path)
    mm_options_sinew(m)
    mj = mujoco.MjModel.from_xml_path(path)
    ctrl, act = inputs(mj, nworld)
    b = sinew.Batch(m, nworld, precision=precision, threads=threads)

    def reset():
        b.reset(keyframe=0 if mj.nkey else None)
        b.ctrl = ctrl
        if mj.na:
            b.act = act

    reset()
    b.step(1)  # warm-up
    t = float("inf")
    for _ in range(reps):
        reset()
        t0 = time.perf_counter()
        b.step(nstep)
        t = min(t, time.perf_counter() - t0)
    bad = int(np.count_nonzero(b.status))
    return nworld * nstep / t, bad


def busy(stop):
    x = 0
    while not stop.is_set():
        x += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nworld", type=int, default=64)
    ap.add_argument("--threads", default=",".join(str(t) for t in sorted({1, os.cpu_count() or 1})))
    ap.add_argument("--models", default="arm,bimanual,myofullbody")
    ap.add_argument("--load", action="store_true", help="a busy process on every core but one")
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    stop, procs = mp.Event(), []
    if a.load:
        for _ in range(max(1, (os.cpu_count() or 1) - 1)):
            p = mp.Process(target=busy, args=(stop,), daemon=True)
            p.start()
            procs.append(p)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; MuJoCo {mujoco.__version__}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {a.nworld} worlds; "
          f"competing load: {len(procs)} busy process(es)")
    print("| model | threads | nstep | mujoco.rollout | Sinew double | ratio | Sinew float | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    try:
        for name in a.models.split(","):
            path = model_path(name)
            nstep = NSTEP.get(name, 200)
            for th in [int(t) for t in a.threads.split(",")]:
                mj = run_mujoco(path, a.nworld, nstep, th, a.reps)
                d, bad_d = run_sinew(path, a.nworld, nstep, th, a.reps, "float64")
                f, bad_f = run_sinew(path, a.nworld, nstep, th, a.reps, "float32")
                note = f" ({bad_d} / {bad_f} worlds flagged)" if bad_d or bad_f else ""
                print(f"| {name} | {th} | {nstep} | {mj:,.0f} | {d:,.0f} | {d / mj:.2f} | {f:,.0f} | {f / mj:.2f} |{note}",
                      flush=True)
    finally:
        stop.set()
        for p in procs:
            p.join()


if __name__ == "__main__":
    main()
