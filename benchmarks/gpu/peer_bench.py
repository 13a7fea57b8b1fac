#!/usr/bin/env python3
"""Steps nworld worlds of a MuJoCo model on the GPU with a peer engine and prints world-steps/s.

Peers (--peer, one per call):
  mjwarp  MuJoCo Warp: mjw.step over all worlds, captured once as a CUDA graph of --graph-steps
          steps and replayed. The package `mujoco_warp` is used if importable, else the copy that
          mujoco-mjx 3.4.0 vendors as mujoco.mjx.third_party.mujoco_warp (the MuJoCo Warp that
          MuscleMimic runs through MJX); both need warp-lang.
  mjx     MJX with its JAX implementation: jax.jit of a fori_loop of --graph-steps vmapped
          mjx.step calls.
  mjx-warp  MJX with impl='warp' (MuscleMimic's own path: MuJoCo Warp called from JAX).

Every world starts from qpos0 (or --keyframe) with the same kind of seeded perturbation Sinew's
sinew-bench uses (hinge and slide positions 0.01, velocities 0.05) and constant random controls,
uniform in each ctrlrange. --option takes MJCF <option> names like sinew-bench
(timestep=0.002, iterations=4, ls_iterations=8, flag.eulerdamp=disable).

Results: one JSON object per line on stdout (and appended to --json FILE): per nworld
{"engine", "impl", "model", "nworld", "steps", "seconds", "steps_per_second", "nonfinite", ...},
or one record with "status": "unavailable" / "failed" and the reason (import error, unsupported
model feature, out of memory), so a table can say why a peer is missing. Exit status 0 when every
requested size ran, 2 when the peer is unavailable, 3 when some size failed.
"""
import argparse
import json
import os
import sys
import time
import traceback

os.environ.setdefault("MUJOCO_GL", "disable")  # no OpenGL on the device; mujoco imports no glfw then

import numpy as np


def emit(rec, path):
    line = json.dumps(rec)
    print(line, flush=True)
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


def load_model(path, options):
    import mujoco
    m = mujoco.MjModel.from_xml_path(path)
    for kv in options:
        key, _, val = kv.partition("=")
        if not val:
            raise ValueError(f"--option takes key=value, got {kv!r}")
        if key.startswith("flag."):
            name = key[5:].upper()
            if val == "disable":
                m.opt.disableflags |= int(getattr(mujoco.mjtDisableBit, "mjDSBL_" + name))
            elif val == "enable":
                if hasattr(mujoco.mjtDisableBit, "mjDSBL_" + name):
                    m.opt.disableflags &= ~int(getattr(mujoco.mjtDisableBit, "mjDSBL_" + name))
                else:
                    m.opt.enableflags |= int(getattr(mujoco.mjtEnableBit, "mjENBL_" + name))
            else:
                raise ValueError(f"flag {key}: enable or disable, got {val!r}")
        elif key in ("integrator", "cone", "solver", "jacobian"):
            enum = {"integrator": (mujoco.mjtIntegrator, "mjINT_"), "cone": (mujoco.mjtCone, "mjCONE_"),
                    "solver": (mujoco.mjtSolver, "mjSOL_"), "jacobian": (mujoco.mjtJacobian, "mjJAC_")}[key]
            setattr(m.opt, key, int(getattr(enum[0], enum[1] + val.upper())))
        else:
            cur = getattr(m.opt, key)
            if isinstance(cur, np.ndarray):
                cur[:] = [float(x) for x in val.split()]
            else:
                setattr(m.opt, key, type(cur)(float(val)) if isinstance(cur, int) else float(val))
    return m


def start_states(m, nworld, seed, key):
    """qpos, qvel, act, ctrl for every world (float64, world-major)."""
    import mujoco
    d = mujoco.MjData(m)
    if key is not None:
        mujoco.mj_resetDataKeyframe(m, d, key)
    rng = np.random.default_rng(seed)
    qpos = np.tile(d.qpos, (nworld, 1))
    qvel = np.tile(d.qvel, (nworld, 1)) + 0.05 * rng.standard_normal((nworld, m.nv))
    for j in range(m.njnt):
        if m.jnt_type[j] in (mujoco.mjtJoint.mjJNT_HINGE, mujoco.mjtJoint.mjJNT_SLIDE):
            qpos[:, m.jnt_qposadr[j]] += 0.01 * rng.standard_normal(nworld)
    lo = np.where(m.actuator_ctrllimited, m.actuator_ctrlrange[:, 0], -1.0)
    hi = np.where(m.actuator_ctrllimited, m.actuator_ctrlrange[:, 1], 1.0)
    ctrl = lo + (hi - lo) * rng.random((nworld, m.nu))
    act = np.tile(d.act, (nworld, 1))
    return qpos, qvel, act, ctrl


def import_mjwarp():
    """(module, description) of MuJoCo Warp: the package, else mujoco-mjx's vendored copy."""
    errors = []
    try:
        import mujoco_warp as mjw
        return mjw, "mujoco_warp " + getattr(mjw, "__version__", "?")
    except Exception as e:  # noqa: BLE001 - report any import failure
        errors.append(f"import mujoco_warp: {type(e).__name__}: {e}")
    try:
        from mujoco.mjx.third_party import mujoco_warp as mjw
        import mujoco
        return mjw, f"mujoco.mjx.third_party.mujoco_warp (mujoco {mujoco.__version__})"
    except Exception as e:  # noqa: BLE001
        errors.append(f"import mujoco.mjx.third_party.mujoco_warp: {type(e).__name__}: {e}")
    raise ImportError("; ".join(errors))


def bench_mjwarp(m, args, nworld, states):
    import warp as wp
    mjw, impl = import_mjwarp()
    wp.config.quiet = True
    wp.init()
    mw = mjw.put_model(m)
    dw = mjw.make_data(m, nworld=nworld, nconmax=args.nconmax, njmax=args.njmax,
                       naconmax=args.nconmax * nworld if args.nconmax else None)
    qpos, qvel, act, ctrl = states
    dw.qpos.assign(qpos.astype(np.float32))
    dw.qvel.assign(qvel.astype(np.float32))
    if m.na:
        dw.act.assign(act.astype(np.float32))
    if m.nu:
        dw.ctrl.assign(ctrl.astype(np.float32))
    t0 = time.perf_counter()
    mjw.step(mw, dw)  # compiles the kernels
    wp.synchronize()
    compile_s = time.perf_counter() - t0
    with wp.ScopedCapture() as cap:
        for _ in range(args.graph_steps):
            mjw.step(mw, dw)
    graph = cap.graph
    for _ in range(max(1, args.warmup // args.graph_steps)):
        wp.capture_launch(graph)
    wp.synchronize()
    reps = max(1, args.steps // args.graph_steps)
    t0 = time.perf_counter()
    for _ in range(reps):
        wp.capture_launch(graph)
    wp.synchronize()
    sec = time.perf_counter() - t0
    q = dw.qpos.numpy()
    extra = {"compile_s": compile_s, "warp": wp.config.version,
             "nacon_max_seen": int(dw.nacon.numpy().max()) if hasattr(dw, "nacon") else None}
    return impl, reps * args.graph_steps, sec, int((~np.isfinite(q).all(axis=1)).sum()), extra


def bench_mjx(m, args, nworld, states, impl):
    import jax
    import jax.numpy as jnp
    import mujoco
    from mujoco import mjx
    qpos, qvel, act, ctrl = states
    mx = mjx.put_model(m, impl=impl)
    if impl == "warp":
        d0 = mjx.make_data(m, impl="warp", nconmax=args.nconmax, njmax=args.njmax)
    else:
        d0 = mjx.put_data(m, mujoco.MjData(m), impl=impl)

    def init(q, v, a, c):
        return d0.replace(qpos=q, qvel=v, act=a, ctrl=c)

    f32 = jnp.float32
    dx = jax.vmap(init)(jnp.asarray(qpos, f32), jnp.asarray(qvel, f32), jnp.asarray(act, f32), jnp.asarray(ctrl, f32))
    vstep = jax.vmap(mjx.step, in_axes=(None, 0))
    n = args.graph_steps

    @jax.jit
    def run(d):
        return jax.lax.fori_loop(0, n, lambda i, d: vstep(mx, d), d)

    t0 = time.perf_counter()
    dx = jax.block_until_ready(run(dx))
    compile_s = time.perf_counter() - t0
    # at least one more call untimed: the compile call's output can differ from the hand-built
    # input in weak types, so the first call on it may trace and compile once more
    for _ in range(max(1, args.warmup // n)):
        dx = run(dx)
    dx = jax.block_until_ready(dx)
    reps = max(1, args.steps // n)
    t0 = time.perf_counter()
    for _ in range(reps):
        dx = run(dx)
    dx = jax.block_until_ready(dx)
    sec = time.perf_counter() - t0
    q = np.asarray(dx.qpos)
    desc = f"mujoco.mjx {mujoco.__version__} impl={impl}, jax {jax.__version__} on {jax.devices()[0].device_kind}"
    return desc, reps * n, sec, int((~np.isfinite(q).all(axis=1)).sum()), {"compile_s": compile_s}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--peer", choices=["mjwarp", "mjx", "mjx-warp"], required=True)
    ap.add_argument("--name", help="model name in the records (default: file name)")
    ap.add_argument("--nworld", type=int, nargs="+", default=[1024])
    ap.add_argument("--steps", type=int, default=1000, help="timed steps (rounded to whole graphs)")
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--graph-steps", type=int, default=50, help="steps per captured graph / jitted loop")
    ap.add_argument("--option", action="append", default=[])
    ap.add_argument("--keyframe", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--nconmax", type=int, default=96, help="contacts per world (MuscleMimic: 96)")
    ap.add_argument("--njmax", type=int, default=768, help="constraint rows per world (MuscleMimic: 768)")
    ap.add_argument("--json", help="append the records to this file")
    args = ap.parse_args()
    name = args.name or os.path.splitext(os.path.basename(args.model))[0]
    base = {"engine": args.peer, "model": name, "model_path": args.model, "options": args.option}

    try:
        m = load_model(args.model, args.option)
        if args.peer == "mjwarp":
            import_mjwarp()
            import warp  # noqa: F401
        else:
            import jax  # noqa: F401
            from mujoco import mjx  # noqa: F401
            if args.peer == "mjx-warp":
                import warp  # noqa: F401
    except Exception as e:  # noqa: BLE001
        emit(dict(base, status="unavailable", reason=f"{type(e).__name__}: {e}"), args.json)
        return 2
    base.update(nv=m.nv, nu=m.nu, ntendon=m.ntendon, timestep=m.opt.timestep, iterations=m.opt.iterations,
                ls_iterations=m.opt.ls_iterations)

    failed = 0
    for nw in args.nworld:
        try:
            states = start_states(m, nw, args.seed, args.keyframe)
            if args.peer == "mjwarp":
                impl, steps, sec, bad, extra = bench_mjwarp(m, args, nw, states)
            else:
                impl, steps, sec, bad, extra = bench_mjx(m, args, nw, states, "warp" if args.peer == "mjx-warp" else "jax")
            emit(dict(base, status="ok", impl=impl, nworld=nw, steps=steps, seconds=sec,
                      steps_per_second=nw * steps / sec, us_per_world_step=1e6 * sec / (nw * steps),
                      nonfinite=bad, **extra), args.json)
        except Exception as e:  # noqa: BLE001
            failed += 1
            tb = traceback.format_exc(limit=3).strip().splitlines()
            emit(dict(base, status="failed", nworld=nw, reason=f"{type(e).__name__}: {e}"[:2000], where=tb[-3:]),
                 args.json)
    return 3 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
