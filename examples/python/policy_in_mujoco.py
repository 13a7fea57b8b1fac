"""A policy trained by sinew-train, rolled out in MuJoCo's own simulator (the `mujoco` package).

    python examples/python/policy_in_mujoco.py --checkpoint runs/arm/final.npz \
        --model models/arm.xml --motion models/arm_reach.npz [--out runs/arm/mujoco] \
        [--compare runs/arm/eval/metrics.json]

The rollout is sinew-eval's protocol with MuJoCo as the simulator: one episode per clip of the
reference, started at the clip's first frame from the reference's qpos and qvel, mean actions,
`substeps` mj_step calls and one mj_forward per control step, the evaluation terminations, run to
the clip's end. The observation and the action mapping are those of Sinew's environment
(include/sinew/imitation/observation.hpp, env.hpp), rebuilt here from MuJoCo's MjData alone; the
policy is the checkpoint in numpy (sinew.Policy). Sinew only prepares the reference motion (the
trainer's resampling to the control rate, sinew.reference); its kinematics are recomputed with
MuJoCo. The metrics are sinew-eval's (docs/training.md); --compare prints them beside the ones
in a sinew-eval metrics.json. Writes metrics.json and rollout.npz (qpos, qvel, act, ctrl per
frame) to --out.
"""
import argparse
import json
import os
import sys

import mujoco
import numpy as np

import sinew

TERM_SITE_DEVIATION, TERM_ROOT_POSITION, TERM_ROOT_ORIENTATION, TERM_NONFINITE = 1, 2, 4, 8


def rotvec(R):
    """Rotation vector of a 3x3 rotation (Sinew's mat_to_rotvec: mju_mat2Quat, then mju_quat2Vel)."""
    q, v = np.zeros(4), np.zeros(3)
    mujoco.mju_mat2Quat(q, np.ascontiguousarray(R).ravel())
    mujoco.mju_quat2Vel(v, q, 1.0)
    return v


def local_velocity(cvel, com, p, R):
    """LocoMuJoCo's site velocity: [angular; linear] of point p with frame R on a body with cvel
    (about the root subtree com), in the point's frame."""
    w, v = cvel[:3], cvel[3:]
    return R.T @ w, R.T @ (v + np.cross(w, p - com))


class Kinematics:
    """Site poses and velocities of one state (MjData) or of every reference frame."""

    def __init__(self, site_xpos, site_xmat, cvel, subtree_com):
        self.site_xpos, self.site_xmat, self.cvel, self.subtree_com = site_xpos, site_xmat, cvel, subtree_com

    def site(self, m, s):
        b = m.site_bodyid[s]
        p, R = self.site_xpos[s], self.site_xmat[s].reshape(3, 3)
        ang, lin = local_velocity(self.cvel[b], self.subtree_com[m.body_rootid[b]], p, R)
        return p, R, ang, lin

    def relative(self, m, sites, i):
        """Mimic site i relative to the main site: position, rotation vector, angular and linear velocity."""
        p0, R0, a0, l0 = self.site(m, sites[0])
        p, R, a, l = self.site(m, sites[i])
        return p - p0, rotvec(R0.T @ R), a - a0, l - l0


def reference_kinematics(m, ref):
    """MuJoCo's kinematics of every reference frame (mj_forward on its qpos and qvel)."""
    d = mujoco.MjData(m)
    n = len(ref["qpos"])
    out = [np.zeros((n, m.nsite, 3)), np.zeros((n, m.nsite, 9)), np.zeros((n, m.nbody, 6)), np.zeros((n, m.nbody, 3))]
    for f in range(n):
        d.qpos[:], d.qvel[:] = ref["qpos"][f], ref["qvel"][f]
        mujoco.mj_forward(m, d)
        for a, x in zip(out, (d.site_xpos, d.site_xmat, d.cvel, d.subtree_com)):
            a[f] = x
    return out


class MujocoImitation:
    """Sinew's imitation task (observation, action mapping, evaluation terminations) on MuJoCo."""

    def __init__(self, m, ref, cfg):
        self.m, self.ref, self.cfg = m, ref, cfg
        names = [s for s in cfg["mimic_sites"].split(",") if s]
        self.sites = [mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_SITE, s) for s in names]
        for s, i in zip(names, self.sites):
            if i < 0:
                raise ValueError(f"the MuJoCo model has no site '{s}' (a mimic site of the checkpoint)")
        free = [j for j in range(m.njnt) if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE and m.body_parentid[m.jnt_bodyid[j]] == 0]
        self.root = free[0] if free else -1
        self.touch = [i for i in range(m.nsensor) if m.sensor_type[i] == mujoco.mjtSensor.mjSENS_TOUCH]
        xs, xm, cv, sc = reference_kinematics(m, ref)
        self.ref_kin = [Kinematics(xs[f], xm[f], cv[f], sc[f]) for f in range(len(xs))]
        self.root_offset = np.zeros(2)

    def observation(self, d, frame, start, end):
        m, cfg, out = self.m, self.cfg, []
        ra = m.jnt_qposadr[self.root] if self.root >= 0 else -100
        rv = m.jnt_dofadr[self.root] if self.root >= 0 else -100
        if self.root >= 0:
            out += [d.qpos[ra + 2:ra + 3], d.qpos[ra + 3:ra + 7]]
        out.append(np.array([d.qpos[i] for i in range(m.nq) if i < ra or i >= ra + 7]))
        out.append(np.array([d.qvel[i] for i in range(m.nv) if i < rv or i >= rv + 6]))
        if self.root >= 0:
            R = np.zeros(9)
            mujoco.mju_quat2Mat(R, d.qpos[ra + 3:ra + 7])
            out += [R.reshape(3, 3).T @ d.qvel[rv:rv + 3], d.qvel[rv + 3:rv + 6]]
        act = np.array([d.act[m.actuator_actadr[u]] if m.actuator_actnum[u] > 0 else 0.0 for u in range(m.nu)])
        out.append(np.stack([d.actuator_length, d.actuator_velocity, d.actuator_force, d.ctrl, act], axis=1).ravel())
        if cfg.get("obs_touch", True) and self.touch:
            out.append(np.array([d.sensordata[m.sensor_adr[i]] for i in self.touch]))
        rk = self.ref_kin
        for j in range(cfg["nfuture"] + 1):
            f = min(frame + j * cfg["future_stride"], end - 1)
            for s in self.sites[1:]:
                out.append(rk[f].site_xpos[s] - rk[f].site_xpos[self.sites[0]])
            if self.root >= 0 and cfg.get("obs_future_root", True):
                qr = self.ref["qpos"][f]
                R, Rr = np.zeros(9), np.zeros(9)
                mujoco.mju_quat2Mat(R, d.qpos[ra + 3:ra + 7])
                mujoco.mju_quat2Mat(Rr, qr[ra + 3:ra + 7])
                R, Rr = R.reshape(3, 3), Rr.reshape(3, 3)
                dp = np.array([qr[ra] + self.root_offset[0] - d.qpos[ra], qr[ra + 1] + self.root_offset[1] - d.qpos[ra + 1],
                               qr[ra + 2] - d.qpos[ra + 2]])
                out += [R.T @ dp, rotvec(R.T @ Rr)]
        out.append([(frame - start) / (end - start - 1) if end - start > 1 else 0.0])
        if cfg.get("obs_rel_sites", True):
            sim = Kinematics(d.site_xpos, d.site_xmat, d.cvel, d.subtree_com)
            for i in range(1, len(self.sites)):
                out += list(sim.relative(m, self.sites, i))
        return np.concatenate([np.asarray(x, dtype=np.float64).ravel() for x in out])

    def apply_action(self, d, a):
        """Actions in [-1, 1] onto each actuator's ctrlrange (clipped; a NaN action sets 0)."""
        m = self.m
        c = np.clip(a, -1.0, 1.0)
        lo, hi = m.actuator_ctrlrange[:, 0], m.actuator_ctrlrange[:, 1]
        u = np.where(m.actuator_ctrllimited.astype(bool), lo + (c + 1.0) * 0.5 * (hi - lo), a)
        d.ctrl[:] = np.where(np.isnan(a), 0.0, u)

    def termination(self, d, frame):
        m, cfg = self.m, self.cfg
        if not (np.isfinite(d.qpos).all() and np.isfinite(d.qvel).all() and np.isfinite(d.act).all()):
            return TERM_NONFINITE
        why = 0
        if len(self.sites) > 1:
            sim = Kinematics(d.site_xpos, d.site_xmat, d.cvel, d.subtree_com)
            dev = [np.linalg.norm(sim.relative(m, self.sites, i)[0] - self.ref_kin[frame].relative(m, self.sites, i)[0])
                   for i in range(1, len(self.sites))]
            if np.mean(dev) > cfg["eval_site_deviation"]:
                why |= TERM_SITE_DEVIATION
        if self.root >= 0:
            a = m.jnt_qposadr[self.root]
            qr = self.ref["qpos"][frame][a:a + 7]
            e = d.qpos[a:a + 3] - qr[:3] - np.array([self.root_offset[0], self.root_offset[1], 0.0])
            if np.linalg.norm(e) > cfg["eval_root_position"]:
                why |= TERM_ROOT_POSITION
            dq = np.zeros(3)
            mujoco.mju_subQuat(dq, d.qpos[a + 3:a + 7], qr[3:7])
            if np.linalg.norm(dq) > cfg["eval_root_orientation"]:
                why |= TERM_ROOT_ORIENTATION
        return why


def pearson(a, b):
    a, b = a - a.mean(), b - b.mean()
    saa, sbb = (a * a).sum(), (b * b).sum()
    return float((a * b).sum() / np.sqrt(saa * sbb)) if saa > 0 and sbb > 0 else 0.0


def evaluate(m, policy, ref, cfg):
    """sinew-eval's protocol and metrics, simulated by MuJoCo."""
    task = MujocoImitation(m, ref, cfg)
    d = mujoco.MjData(m)
    sp = [int(x) for x in ref["split_points"]]
    clips, rollout = [], {"qpos": [], "qvel": [], "act": [], "ctrl": []}
    for c in range(len(sp) - 1):
        start, end = sp[c], sp[c + 1]
        mujoco.mj_resetData(m, d)
        d.qpos[:], d.qvel[:] = ref["qpos"][start], ref["qvel"][start]
        mujoco.mj_forward(m, d)
        frame, reason, rec = start, 0, {k: [] for k in rollout}
        sx = []

        def record():
            for k in rec:
                rec[k].append(np.array(getattr(d, k)))
            sx.append(np.array(d.site_xpos))

        record()
        for s in range(1, end - start):
            task.apply_action(d, policy(task.observation(d, frame, start, end)[None])[0])
            for _ in range(cfg["substeps"]):
                mujoco.mj_step(m, d)
            mujoco.mj_forward(m, d)
            frame = min(frame + 1, end - 1)
            record()
            reason = task.termination(d, frame)
            if reason:
                break
        q = np.array(rec["qpos"])
        F = len(q)
        M = {"clip": c, "frames": F, "length": end - start, "early_termination": bool(reason), "reason": reason}
        se, ne, rs, excl = 0.0, 0, [], 0
        for j in range(m.njnt):
            if m.jnt_type[j] not in (mujoco.mjtJoint.mjJNT_HINGE, mujoco.mjtJoint.mjJNT_SLIDE):
                continue
            a = m.jnt_qposadr[j]
            x, y = q[:, a], ref["qpos"][start:start + F, a]
            se += float(((x - y) ** 2).sum())
            ne += F
            if y.max() - y.min() < 0.05 or F < 3:
                excl += 1
                continue
            rs.append(pearson(x, y))
        M["joint_rmse"] = float(np.sqrt(se / ne)) if ne else 0.0
        M["joint_r"] = float(np.mean(rs)) if rs else float("nan")
        M["joint_r_excluded"] = excl
        sxa, s0 = np.array(sx), task.sites[0]
        mk = np.array([task.ref_kin[start + f].site_xpos for f in range(F)])
        errs = [np.linalg.norm((sxa[:, s] - sxa[:, s0]) - (mk[:, s] - mk[:, s0]), axis=1) for s in task.sites[1:]]
        M["site_error"] = float(np.mean(errs)) if errs else 0.0
        if task.root >= 0:
            a = m.jnt_qposadr[task.root]
            M["root_error"] = float(np.linalg.norm(q[:, a:a + 3] - ref["qpos"][start:start + F, a:a + 3], axis=1).mean())
        else:
            M["root_error"] = float("nan")
        acts = np.array(rec["act"])
        M["mean_activation"] = float(acts.mean()) if m.na else 0.0
        clips.append(M)
        for k in rollout:
            rollout[k] += rec[k]
    overall = {k: float(np.nanmean([c[k] for c in clips])) if not all(np.isnan(c[k]) for c in clips) else float("nan")
               for k in ("joint_rmse", "joint_r", "site_error", "root_error", "mean_activation")}
    overall["early_termination"] = float(np.mean([c["early_termination"] for c in clips]))
    return {"overall": overall, "clips": clips}, {k: np.array(v) for k, v in rollout.items()}


def add_mimic_sites(xml_path, names):
    """A MuJoCo model with MuscleMimic's mimic sites ("<body>_mimic" at the body's origin) added
    where the checkpoint uses them and the file lacks them (Sinew adds them at load)."""
    spec = mujoco.MjSpec.from_file(xml_path)
    have = {s.name for s in spec.sites}
    for n in names:
        if n not in have and n.endswith("_mimic"):
            body = spec.body(n[: -len("_mimic")])
            if body is None:
                raise ValueError(f"{xml_path}: no body for the mimic site '{n}'")
            body.add_site(name=n, pos=[0, 0, 0])
    return spec.compile()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--motion", required=True, nargs="+")
    ap.add_argument("--out", default=None, help="folder for metrics.json and rollout.npz")
    ap.add_argument("--compare", default=None, help="a sinew-eval metrics.json to print beside")
    args = ap.parse_args(argv)

    policy = sinew.Policy.load(args.checkpoint)
    cfg = policy.config
    names = [s for s in cfg["mimic_sites"].split(",") if s]
    m = add_mimic_sites(args.model, names)
    sm = sinew.Model.from_xml_path(args.model)
    params = {k: cfg[k] for k in ("substeps", "mimic_sites") if k in cfg}
    ref = sinew.reference(sm, args.motion, preset=cfg.get("preset", "arm"), **params)
    if ref["qpos"].shape[1] != m.nq:
        raise ValueError(f"{args.motion}: the motion's nq differs from the MuJoCo model's {m.nq}")
    metrics, rollout = evaluate(m, policy, ref, cfg)
    o = metrics["overall"]
    print(f"MuJoCo {mujoco.__version__}: {len(metrics['clips'])} clip(s)")
    keys = ("early_termination", "joint_r", "joint_rmse", "site_error", "root_error", "mean_activation")
    other = json.load(open(args.compare))["overall"] if args.compare else None
    print(f"{'metric':20s} {'MuJoCo':>12s}" + (f" {'Sinew':>12s}" if other else ""))
    for k in keys:
        print(f"{k:20s} {o[k]:12.5g}" + (f" {float(other[k]) if other[k] is not None else float('nan'):12.5g}" if other else ""))
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "metrics.json"), "w") as f:
            json.dump(metrics, f, indent=1)
        np.savez(os.path.join(args.out, "rollout.npz"), **rollout, split_points=np.cumsum([0] + [c["frames"] for c in metrics["clips"]]),
                 frequency=ref["frequency"], joint_names=np.array(ref["joint_names"]))
        print(f"wrote {args.out}/metrics.json and rollout.npz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
