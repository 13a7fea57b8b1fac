"""sinew-plot: the pictures of a Sinew result (matplotlib, headless).

    sinew-plot learning RUN/log.csv [RUN2/log.csv ...] --out curves.png [--labels a,b]
    sinew-plot tracking EVAL_DIR --out joints.png [--clip c]
    sinew-plot activation EVAL_DIR --out activation.png [--model MODEL.xml] [--clip c]
    sinew-plot bench BENCH.json --out stages.png
    python -m sinew.plots ...

learning: sinew-train's log.csv, several runs overlaid: reward, each reward term, episode length,
termination rate, env steps/s, KL and policy std against env steps, and reward against wall time.
tracking: sinew-eval's output folder (rollout.npz, reference.npz): each hinge or slide joint's
angle against the reference over time, with its Pearson r and RMSE in the title (sinew-eval's
definitions). activation: the muscle activations of the rollout as a heat map, muscles x time,
grouped by the body each muscle inserts on (the last point of its tendon path), bodies in tree
order. bench: Google Benchmark JSON of benchmarks/bench_step_vs_mujoco (--benchmark_out=F.json):
per-stage times of MuJoCo and Sinew as bars, one panel per model.
"""
import argparse
import csv
import json
import os
import sys

import numpy as np


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def read_log(path):
    """sinew-train's log.csv as a dict of float arrays by column."""
    with open(path) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{path}: no rows")
    return {k: np.array([float(r[k]) if r[k] not in ("", "nan") else np.nan for r in rows]) for k in rows[0]}


LEARNING_PANELS = [("reward", "reward per step"), ("terms", "reward terms"), ("episode_length", "episode length (steps)"),
                   ("termination_rate", "termination rate"), ("env_steps_per_s", "env steps/s"), ("approx_kl", "approx. KL"),
                   ("std", "policy std"), ("reward_wall", "reward per step")]


def learning_curves(logs, out, labels=None):
    """Learning curves of one or more runs; returns the figure."""
    plt = _pyplot()
    data = [read_log(p) for p in logs]
    labels = labels or [os.path.basename(os.path.dirname(os.path.abspath(p))) or p for p in logs]
    fig, axes = plt.subplots(2, 4, figsize=(18, 8), constrained_layout=True)
    for ax, (key, title) in zip(axes.ravel(), LEARNING_PANELS):
        for i, (d, lab) in enumerate(zip(data, labels)):
            c = f"C{i}"
            if key == "terms":
                terms = [k for k in d if k.startswith("reward_")]
                for j, t in enumerate(terms):
                    ax.plot(d["env_steps"], d[t], color=plt.cm.tab10(j % 10), ls=["-", "--", ":", "-."][i % 4],
                            label=t[len("reward_"):] if i == 0 else None)
            elif key == "reward_wall":
                ax.plot(d["wall_s"], d["reward"], color=c, label=lab)
            elif key in d:
                ax.plot(d["env_steps"], d[key], color=c, label=lab)
        ax.set_title(title)
        ax.set_xlabel("wall time (s)" if key == "reward_wall" else "env steps")
        ax.grid(alpha=0.3)
        if key == "terms":
            ax.legend(fontsize=7, ncol=2)
        elif key == "reward" and len(data) > 1:
            ax.legend(fontsize=8)
    fig.suptitle("learning: " + ", ".join(labels))
    fig.savefig(out, dpi=100)
    return fig


def _load(path):
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def _clip(t, c):
    sp = t.get("split_points", np.array([0, len(t["qpos"])]))
    if not 0 <= c < len(sp) - 1:
        raise ValueError(f"clip {c} out of range ({len(sp) - 1} clips)")
    return int(sp[c]), int(sp[c + 1])


def pearson(a, b):
    a, b = a - a.mean(), b - b.mean()
    s = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / s) if s > 0 else 0.0


def joint_tracking(eval_dir, out, clip=0):
    """Each hinge/slide joint of clip `clip` against its reference; returns the figure."""
    plt = _pyplot()
    roll, ref = _load(os.path.join(eval_dir, "rollout.npz")), _load(os.path.join(eval_dir, "reference.npz"))
    a, b = _clip(roll, clip)
    r0, _ = _clip(ref, clip)
    q, F = roll["qpos"][a:b], b - a
    qr = ref["qpos"][r0:r0 + F]
    freq = float(ref["frequency"])
    types = roll["jnt_type"] if "jnt_type" in roll else ref["jnt_type"]
    names = [str(n) for n in roll["joint_names"]]
    adr, joints, k = [], [], 0
    for j, t in enumerate(types):  # qpos address of each joint from the joint types
        if t in (2, 3):  # slide, hinge
            joints.append(j)
            adr.append(k)
        k += {0: 7, 1: 4}.get(int(t), 1)
    n = len(joints)
    if n == 0:
        raise ValueError(f"{eval_dir}: the model has no hinge or slide joints")
    cols = min(4, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False, constrained_layout=True)
    t = np.arange(F) / freq
    for ax, j, qa in zip(axes.ravel(), joints, adr):
        x, y = q[:, qa], qr[:, qa]
        ax.plot(t, y, "k--", lw=1.2, label="reference")
        ax.plot(t, x, "C3", lw=1.2, label="policy")
        r = pearson(x, y) if np.ptp(y) >= 0.05 and F >= 3 else float("nan")
        ax.set_title(f"{names[j]}: r={r:.3f}, RMSE={np.sqrt(np.mean((x - y) ** 2)):.3f}", fontsize=9)
        ax.set_xlabel("time (s)")
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[n:]:
        ax.remove()
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(f"joint tracking, clip {clip} ({F} frames at {freq:g} Hz)")
    fig.savefig(out, dpi=100)
    return fig


def muscle_groups(model):
    """(muscle actuator ids ordered by insertion body, [(body name, first row, end row)])."""
    import mujoco
    ins = []
    for u in range(model.nu):
        if model.actuator_dyntype[u] == mujoco.mjtDyn.mjDYN_NONE or model.actuator_actnum[u] == 0:
            continue
        body = 0
        if model.actuator_trntype[u] == mujoco.mjtTrn.mjTRN_TENDON:
            ten = model.actuator_trnid[u, 0]
            for w in range(model.tendon_adr[ten] + model.tendon_num[ten] - 1, model.tendon_adr[ten] - 1, -1):
                if model.wrap_type[w] == mujoco.mjtWrap.mjWRAP_SITE:
                    body = int(model.site_bodyid[model.wrap_objid[w]])
                    break
                if model.wrap_type[w] == mujoco.mjtWrap.mjWRAP_JOINT:
                    body = int(model.jnt_bodyid[model.wrap_objid[w]])
                    break
        elif model.actuator_trntype[u] in (mujoco.mjtTrn.mjTRN_JOINT, mujoco.mjtTrn.mjTRN_JOINTINPARENT):
            body = int(model.jnt_bodyid[model.actuator_trnid[u, 0]])
        ins.append((body, u))
    ins.sort()
    order = [u for _, u in ins]
    groups, start = [], 0
    for i in range(1, len(ins) + 1):
        if i == len(ins) or ins[i][0] != ins[start][0]:
            groups.append((mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, ins[start][0]) or "world", start, i))
            start = i
    return order, groups


def activation_heatmap(eval_dir, out, model_path=None, clip=0):
    """Muscle activations (muscles x time) of clip `clip`, grouped by insertion body; returns the figure."""
    import mujoco
    plt = _pyplot()
    roll = _load(os.path.join(eval_dir, "rollout.npz"))
    if model_path is None:
        with open(os.path.join(eval_dir, "metrics.json")) as f:
            model_path = json.load(f)["model"]
    m = mujoco.MjModel.from_xml_path(model_path)
    if "act" not in roll or m.na == 0:
        raise ValueError(f"{eval_dir}: the rollout has no activations (a model without muscles?)")
    a, b = _clip(roll, clip)
    act = roll["act"][a:b]
    freq = float(roll["frequency"])
    order, groups = muscle_groups(m)
    rows = np.array([act[:, m.actuator_actadr[u]] for u in order])
    fig, ax = plt.subplots(figsize=(11, max(3.0, min(14.0, 0.03 * len(order) + 2.5))), constrained_layout=True)
    im = ax.imshow(rows, aspect="auto", interpolation="nearest", cmap="magma", vmin=0, vmax=1,
                   extent=[0, (b - a - 1) / freq if b - a > 1 else 1 / freq, len(order), 0])
    for _, s, e in groups[1:]:
        ax.axhline(s, color="w", lw=0.4)
    if len(order) <= 40:  # few muscles: each by name, with its insertion body
        ticks = [(i + 0.5, f"{mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_ACTUATOR, u) or u} ({name})")
                 for name, s, e in groups for i, u in zip(range(s, e), order[s:e])]
    else:  # label the groups big enough to read
        min_rows = max(1, len(order) // 40)
        ticks = [(0.5 * (s + e), name) for name, s, e in groups if e - s >= min_rows]
    ax.set_yticks([t for t, _ in ticks], [n for _, n in ticks], fontsize=7)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"{len(order)} muscles, by insertion body")
    fig.colorbar(im, ax=ax, label="activation")
    ax.set_title(f"muscle activation, clip {clip}")
    fig.savefig(out, dpi=100)
    return fig


def bench_bars(path, out):
    """Per-stage MuJoCo and Sinew times from Google Benchmark JSON; returns the figure."""
    plt = _pyplot()
    with open(path) as f:
        js = json.load(f)
    per = {}
    scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
    for b in js.get("benchmarks", []):
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "mean":
            continue
        parts = b["name"].split("/")
        if len(parts) < 3 or not parts[1].startswith("stage_") or parts[2] not in ("mj", "sinew_d"):
            continue
        per.setdefault(parts[0], {}).setdefault(parts[1][6:], {})[parts[2]] = b["real_time"] * scale[b.get("time_unit", "ns")]
    if not per:
        raise ValueError(f"{path}: no '<model>/stage_<s>/mj' or '/sinew_d' rows (run bench_step_vs_mujoco with --benchmark_out)")
    fig, axes = plt.subplots(len(per), 1, figsize=(12, 3.6 * len(per)), squeeze=False, constrained_layout=True)
    for ax, (model, st) in zip(axes[:, 0], per.items()):
        names = [s for s in st if "mj" in st[s] and "sinew_d" in st[s]]
        x = np.arange(len(names))
        ax.bar(x - 0.2, [st[s]["mj"] for s in names], 0.4, label="MuJoCo", color="C7")
        ax.bar(x + 0.2, [st[s]["sinew_d"] for s in names], 0.4, label="Sinew (double)", color="C0")
        ax.set_xticks(x, [f"{s}\n{st[s]['mj'] / st[s]['sinew_d']:.2f}x" for s in names], fontsize=8)
        ax.set_ylabel("us per call")
        ax.set_title(f"{model}: per stage, one world (label: MuJoCo / Sinew)")
        ax.legend()
        ax.grid(axis="y", alpha=0.3)
    fig.savefig(out, dpi=100)
    return fig


def main(argv=None):
    ap = argparse.ArgumentParser(prog="sinew-plot", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    p = sub.add_parser("learning", help="learning curves from log.csv files")
    p.add_argument("logs", nargs="+")
    p.add_argument("--labels", default=None, help="comma-separated run names")
    p = sub.add_parser("tracking", help="joint angles against the reference (a sinew-eval folder)")
    p.add_argument("eval_dir")
    p.add_argument("--clip", type=int, default=0)
    p = sub.add_parser("activation", help="muscle-activation heat map (a sinew-eval folder)")
    p.add_argument("eval_dir")
    p.add_argument("--model", default=None, help="default: the model named in metrics.json")
    p.add_argument("--clip", type=int, default=0)
    p = sub.add_parser("bench", help="per-stage bars from bench_step_vs_mujoco's JSON")
    p.add_argument("json")
    for p in sub.choices.values():
        p.add_argument("--out", required=True, help="image file (.png, .pdf, .svg)")
    args = ap.parse_args(argv)
    try:
        if args.what == "learning":
            learning_curves(args.logs, args.out, args.labels.split(",") if args.labels else None)
        elif args.what == "tracking":
            joint_tracking(args.eval_dir, args.out, args.clip)
        elif args.what == "activation":
            activation_heatmap(args.eval_dir, args.out, args.model, args.clip)
        else:
            bench_bars(args.json, args.out)
    except (ValueError, OSError, KeyError) as e:
        print(f"sinew-plot: {e}", file=sys.stderr)
        return 1
    print(f"sinew-plot: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
