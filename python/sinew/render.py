"""sinew-render: a rollout or motion of any model as a video (MP4, GIF) or PNG frames, headless.

    sinew-render MODEL.xml MOTION --out FILE [--ghost REF.npz] [--width W] [--height H] [--fps F]
                 [--camera track|free|NAME] [--time a:b] [--world i] [--clip c] [--distance D]
    python -m sinew.render ...

MOTION is a trajectory .npz (sinew-eval's rollout.npz, a motion sinew-train reads, anything with
qpos and a frequency) or sinew-rollout's qpos.npy (worlds x steps x nq, at 1 / timestep; --world
picks one, act.npy beside it is used when present). The output's extension picks the format:
.mp4 (H.264 through ffmpeg), .gif, or a folder (numbered PNG frames).

Drawing is MuJoCo's own renderer (the pinned `mujoco` package), headless through OSMesa (Debian's
libosmesa6, software: no GPU or display needed) unless MUJOCO_GL is set (MUJOCO_GL=egl on a
machine with a GPU). Muscles and tendons take their activation as colour (MuJoCo's activation
visualisation) where the motion holds `act`. --ghost draws a reference motion as a translucent
second body in the same scene (matched by time); the camera follows the model's root body.
"""
import argparse
import os
import sys

import numpy as np

os.environ.setdefault("MUJOCO_GL", "osmesa")
if os.environ["MUJOCO_GL"] == "osmesa":
    os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")

GHOST_RGBA = (0.35, 0.65, 1.0, 0.35)


def load_motion(path, model, world=0, clip=None):
    """(qpos (F, nq), act (F, na) or None, frequency) of a trajectory .npz or sinew-rollout's qpos.npy."""
    path = os.fspath(path)
    if path.endswith(".npy"):
        q = np.load(path)
        if q.ndim != 3 or q.shape[2] != model.nq:
            raise ValueError(f"{path}: expected sinew-rollout's qpos.npy (worlds x steps x {model.nq}), got shape {q.shape}")
        if not 0 <= world < q.shape[0]:
            raise ValueError(f"{path}: --world {world} out of range (the file has {q.shape[0]} worlds)")
        a_path = os.path.join(os.path.dirname(path), "act.npy")
        act = np.load(a_path)[world] if model.na and os.path.exists(a_path) else None
        return q[world], act, 1.0 / model.opt.timestep
    with np.load(path, allow_pickle=False) as f:
        if "qpos" not in f.files:
            raise ValueError(f"{path}: no 'qpos' (not a trajectory or rollout)")
        q = f["qpos"]
        act = f["act"] if "act" in f.files and model.na else None
        freq = float(f["frequency"]) if "frequency" in f.files else 1.0 / model.opt.timestep
        sp = f["split_points"] if "split_points" in f.files else np.array([0, len(q)])
    if q.ndim != 2 or q.shape[1] != model.nq:
        raise ValueError(f"{path}: qpos has shape {q.shape}, the model has nq {model.nq}")
    if act is not None and act.shape != (len(q), model.na):
        act = None
    if clip is not None:
        if not 0 <= clip < len(sp) - 1:
            raise ValueError(f"{path}: --clip {clip} out of range (the file has {len(sp) - 1} clips)")
        a, b = int(sp[clip]), int(sp[clip + 1])
        q, act = q[a:b], None if act is None else act[a:b]
    return q, act, freq


def root_body(model):
    """The body the camera follows: the body of the first free joint, else the world's first child."""
    import mujoco
    for j in range(model.njnt):
        if model.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE:
            return int(model.jnt_bodyid[j])
    return 1 if model.nbody > 1 else 0


class Renderer:
    """Frames of a model at given states, with an optional translucent ghost state in the scene."""

    def __init__(self, model, width=640, height=480, camera="track", distance=None):
        import mujoco
        self.mj, self.m = mujoco, model
        if width > model.vis.global_.offwidth or height > model.vis.global_.offheight:
            model.vis.global_.offwidth = max(width, model.vis.global_.offwidth)
            model.vis.global_.offheight = max(height, model.vis.global_.offheight)
        try:
            self.r = mujoco.Renderer(model, height, width)
        except mujoco.FatalError as e:
            raise RuntimeError(f"no OpenGL context for rendering ({e}); set MUJOCO_GL=osmesa (software, Debian's libosmesa6) "
                               "or egl in the environment before mujoco is imported") from None
        self.d, self.g = mujoco.MjData(model), mujoco.MjData(model)
        self.opt = mujoco.MjvOption()
        self.opt.flags[mujoco.mjtVisFlag.mjVIS_ACTIVATION] = 1
        self.opt.flags[mujoco.mjtVisFlag.mjVIS_TENDON] = 1
        if model.nlight == 0:  # the headlight alone: brighter than MuJoCo's default
            model.vis.headlight.ambient[:] = 0.35
            model.vis.headlight.diffuse[:] = 0.75
        self.pert = mujoco.MjvPerturb()
        self.cam = mujoco.MjvCamera()
        self.camera = camera
        self._fitted = camera not in ("track", "free") or distance is not None
        if camera in ("track", "free"):
            mujoco.mjv_defaultFreeCamera(model, self.cam)
            self.cam.azimuth, self.cam.elevation = 120.0, -15.0
            if distance is not None:
                self.cam.distance = distance
            if camera == "track":
                self.cam.type = mujoco.mjtCamera.mjCAMERA_TRACKING
                self.cam.trackbodyid = root_body(model)
        else:
            cid = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_CAMERA, camera)
            if cid < 0:
                raise ValueError(f"--camera: the model has no camera '{camera}' (track, free or a camera name)")
            self.cam.type = mujoco.mjtCamera.mjCAMERA_FIXED
            self.cam.fixedcamid = cid

    def _set(self, d, q, act):
        d.qpos[:] = q
        if act is not None:
            d.act[:] = act
        self.mj.mj_forward(self.m, d)

    def fit_distance(self):
        """Camera distance from the body's size at the current state: 2.5 x the largest distance
        of a (bounded) geom of the root's subtree from the root's centre of mass."""
        m, d = self.m, self.d
        b = root_body(m)
        c = d.subtree_com[m.body_rootid[b]]
        ids = [g for g in range(m.ngeom) if m.geom_rbound[g] > 0 and m.body_rootid[m.geom_bodyid[g]] == m.body_rootid[b]]
        r = max([np.linalg.norm(d.geom_xpos[g] - c) + m.geom_rbound[g] for g in ids], default=m.stat.extent)
        self.cam.distance = max(2.5 * r, 0.2)
        if self.camera == "free":
            self.cam.lookat[:] = c

    def frame(self, q, act=None, ghost=None):
        mj, scn = self.mj, self.r.scene
        self._set(self.d, q, act)
        if not self._fitted:  # first frame: the camera distance from the body's size
            self.fit_distance()
            self._fitted = True
        self.r.update_scene(self.d, self.cam, self.opt)
        if ghost is not None:
            self._set(self.g, ghost, None)
            n0 = scn.ngeom
            mj.mjv_addGeoms(self.m, self.g, self.opt, self.pert, mj.mjtCatBit.mjCAT_DYNAMIC, scn)
            for i in range(n0, scn.ngeom):
                scn.geoms[i].rgba[:] = GHOST_RGBA
                scn.geoms[i].segid = -1
        return self.r.render()

    def close(self):
        self.r.close()


def frame_times(duration, freq, fps, t0=0.0, t1=None):
    t1 = duration if t1 is None else min(t1, duration)
    n = int(np.floor((t1 - t0) * fps + 1e-9)) + 1
    return t0 + np.arange(max(n, 0)) / fps


def sample(arr, freq, t):
    """Rows of arr (at frequency freq) nearest to times t."""
    if arr is None:
        return None
    i = np.clip(np.rint(np.asarray(t) * freq).astype(int), 0, len(arr) - 1)
    return arr[i]


def write_frames(frames, out, fps):
    """MP4 or GIF by the extension, numbered PNGs into a folder otherwise."""
    import imageio.v2 as imageio
    out = os.fspath(out)
    ext = os.path.splitext(out)[1].lower()
    if ext in (".mp4", ".gif") and os.path.dirname(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
    if ext == ".mp4":
        if os.path.exists("/usr/bin/ffmpeg"):
            os.environ.setdefault("IMAGEIO_FFMPEG_EXE", "/usr/bin/ffmpeg")
        with imageio.get_writer(out, fps=fps, codec="libx264", quality=7, macro_block_size=8) as w:
            for f in frames:
                w.append_data(f)
    elif ext == ".gif":
        imageio.mimsave(out, list(frames), duration=1000.0 / fps, loop=0)
    elif ext == "":
        os.makedirs(out, exist_ok=True)
        for i, f in enumerate(frames):
            imageio.imwrite(os.path.join(out, f"frame_{i:05d}.png"), f)
    else:
        raise ValueError(f"--out {out}: use .mp4, .gif or a folder for PNG frames")


def render(model_path, motion, out, ghost=None, width=640, height=480, fps=30.0, camera="track", time=None, world=0,
           clip=None, distance=None, progress=True):
    """Renders `motion` (and `ghost`, a reference) of the model at model_path; returns the frame count."""
    import mujoco
    m = mujoco.MjModel.from_xml_path(os.fspath(model_path))
    q, act, freq = load_motion(motion, m, world, clip)
    gq = None
    if ghost is not None:
        gq, _, gfreq = load_motion(ghost, m, 0, clip)
    t0, t1 = (time if time else (0.0, None))
    ts = frame_times((len(q) - 1) / freq, freq, fps, t0, t1)
    if len(ts) == 0:
        raise ValueError(f"--time {t0}:{t1}: no frame of the motion ({(len(q) - 1) / freq:.3g} s) in that interval")
    r = Renderer(m, width, height, camera, distance)
    qs, acts = sample(q, freq, ts), sample(act, freq, ts)
    gs = sample(gq, gfreq, ts) if gq is not None else None
    frames = []
    for i in range(len(ts)):
        frames.append(r.frame(qs[i], None if acts is None else acts[i], None if gs is None else gs[i]))
        if progress and (i % 50 == 0 or i == len(ts) - 1):
            print(f"\rsinew-render: frame {i + 1}/{len(ts)}", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    r.close()
    write_frames(frames, out, fps)
    return len(frames)


def parse_time(s):
    a, _, b = s.partition(":")
    return (float(a) if a else 0.0, float(b) if b else None)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="sinew-render", description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("motion")
    ap.add_argument("--out", required=True, help=".mp4, .gif or a folder for PNG frames")
    ap.add_argument("--ghost", help="a reference motion drawn as a translucent second body")
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=480)
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--camera", default="track", help="track (follow the root), free, or a camera of the model")
    ap.add_argument("--distance", type=float, default=None, help="camera distance (default 2.5 x the model's extent)")
    ap.add_argument("--time", type=parse_time, default=None, help="a:b seconds")
    ap.add_argument("--world", type=int, default=0, help="world of a sinew-rollout qpos.npy")
    ap.add_argument("--clip", type=int, default=None, help="one clip of a multi-clip trajectory")
    args = ap.parse_args(argv)
    if args.width <= 0 or args.height <= 0 or not args.fps > 0:
        ap.error("--width, --height and --fps must be positive")
    try:
        n = render(args.model, args.motion, args.out, args.ghost, args.width, args.height, args.fps, args.camera, args.time,
                   args.world, args.clip, args.distance)
    except (ValueError, OSError, RuntimeError) as e:
        print(f"sinew-render: {e}", file=sys.stderr)
        return 1
    print(f"sinew-render: wrote {args.out} ({n} frames, {args.width}x{args.height} at {args.fps:g} fps)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
