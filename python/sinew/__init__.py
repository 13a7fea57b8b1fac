"""Sinew from Python: batched muscle-driven musculoskeletal simulation that agrees with MuJoCo.

    import sinew
    model = sinew.Model.from_xml_path("models/arm.xml")
    batch = sinew.Batch(model, nworld=1024)            # float64 on the CPU (OpenMP)
    batch.ctrl[:] = 0.5                                 # numpy views of the engine's memory
    batch.step(10)                                      # the GIL is released while stepping
    print(batch.qpos.shape)                             # (1024, model.nq)

docs/python.md describes the API; names follow MuJoCo's Python bindings where they exist.
"""
import numbers
import os
import warnings

import numpy as np

from . import _sinew
from ._sinew import (STATUS_BADQACC, STATUS_BADQPOS, STATUS_BADQVEL, STATUS_NONFINITE, STATUS_OK,  # noqa: F401
                     ModelError, Option)

__all__ = ["Model", "Batch", "ImitationEnv", "Policy", "ModelError", "SinewWarning", "Option", "load_trajectory",
           "save_trajectory", "resample_trajectory", "reference", "retarget", "load_bvh"]


class SinewWarning(UserWarning):
    """A load warning: something in the model that Sinew reads differently or not at all."""


Model = _sinew.Model
_raw_from_xml_path = _sinew.Model.from_xml_path
_raw_from_xml_string = _sinew.Model.from_xml_string


def _warn_loaded(model):
    for w in model.warnings:
        warnings.warn(w, SinewWarning, stacklevel=3)
    return model


def _from_xml_path(path):
    """Compiles an MJCF file; load warnings become SinewWarning, errors ModelError (file, line, element)."""
    return _warn_loaded(_raw_from_xml_path(str(path)))


def _from_xml_string(xml, base_dir="."):
    """Compiles MJCF text (includes and assets relative to base_dir)."""
    return _warn_loaded(_raw_from_xml_string(xml, str(base_dir)))


Model.from_xml_path = staticmethod(_from_xml_path)
Model.from_xml_string = staticmethod(_from_xml_string)

_PRECISIONS = {"float64": _sinew.Batch64, "double": _sinew.Batch64, "float32": _sinew.Batch32, "float": _sinew.Batch32}


class Batch:
    """nworld worlds of one model, stepped together.

    Every mjData field (qpos, qvel, act, ctrl, xpos, qfrc_applied, sensordata, ...) is an
    attribute: a numpy array of shape (nworld, n) ((nworld,) for one value per world, such as
    time) that shares memory with the engine; writes through it (``batch.ctrl[:] = u``) drive the
    next step, and steps update it in place. Assigning ``batch.ctrl = u`` copies u into it.
    """

    def __init__(self, model, nworld, precision="float64", device="cpu", threads=None):
        if not isinstance(model, _sinew.Model):
            raise TypeError(f"Batch: model must be a sinew.Model, got {type(model).__name__}")
        if isinstance(nworld, bool) or not isinstance(nworld, numbers.Integral) or nworld <= 0:
            raise ValueError(f"Batch: nworld must be a positive integer, got {nworld!r}")
        if precision not in _PRECISIONS:
            raise ValueError(f"Batch: precision must be 'float32' or 'float64', got {precision!r}")
        if device == "cuda":
            raise ValueError("Batch: device='cuda' is not available in this version of the sinew package "
                             "(the CPU backend only; docs/python.md)")
        if device != "cpu":
            raise ValueError(f"Batch: device must be 'cpu' or 'cuda', got {device!r}")
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 0):
            raise ValueError(f"Batch: threads must be None or a non-negative integer, got {threads!r}")
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "precision", "float64" if _PRECISIONS[precision] is _sinew.Batch64 else "float32")
        object.__setattr__(self, "device", device)
        object.__setattr__(self, "_b", _PRECISIONS[precision](model, int(nworld), threads))

    @property
    def nworld(self):
        return self._b.nworld

    @property
    def nbytes(self):
        """Bytes of the engine's Data for all worlds (every field, scratch included)."""
        return self._b.nbytes

    def step(self, nstep=1):
        """nstep physics steps of every world (mj_step each); the GIL is released meanwhile."""
        self._b.step(int(nstep))

    def forward(self):
        """Recomputes every derived quantity from the state (mj_forward) without integrating."""
        self._b.forward()

    def reset(self, mask=None, keyframe=None):
        """Resets the worlds where mask is true (all without a mask) to qpos0, or to a keyframe
        (its index or name)."""
        key = -1
        if keyframe is not None:
            if isinstance(keyframe, str):
                if keyframe not in self.model.key_names:
                    raise ValueError(f"Batch.reset: the model has no keyframe named {keyframe!r}")
                key = self.model.key_names.index(keyframe)
            else:
                key = int(keyframe)
        if mask is not None:
            mask = np.ascontiguousarray(mask, dtype=bool).reshape(-1)
        self._b.reset(mask, key)

    @property
    def status(self):
        """Per-world status flags (0: fine; non-zero: the world diverged or met bad input)."""
        return self._b.field("status")

    @staticmethod
    def field_names():
        return list(_sinew.Batch64.field_names())

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        f = self._b.field(name)
        if f is None:
            raise AttributeError(f"Batch has no field or attribute {name!r}")
        return f

    def __setattr__(self, name, value):
        f = self._b.field(name) if not name.startswith("_") else None
        if f is None:
            raise AttributeError(f"Batch: cannot set {name!r} (only Data fields are assignable)")
        f[...] = value

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.field_names()))


from .env import ImitationEnv  # noqa: E402  (needs gymnasium when used)
from .policy import Policy  # noqa: E402


def load_trajectory(path):
    """A LocoMuJoCo/MuscleMimic trajectory .npz (the format sinew-train reads) as a dict of arrays:
    qpos (F, nq), qvel (F, nv), frequency, joint_names, split_points (clip starts and the end), and
    whatever else the file holds."""
    with np.load(path, allow_pickle=False) as f:
        t = {k: f[k] for k in f.files}
    for k in ("qpos", "qvel", "frequency"):
        if k not in t:
            raise ValueError(f"{path}: trajectory lacks '{k}'")
    if "split_points" not in t:
        t["split_points"] = np.array([0, len(t["qpos"])])
    return t


def save_trajectory(path, qpos, qvel, frequency, joint_names, split_points=None, **extra):
    """Writes a trajectory .npz that sinew-train, sinew-eval and load_trajectory read."""
    qpos, qvel = np.asarray(qpos, dtype=np.float64), np.asarray(qvel, dtype=np.float64)
    if qpos.ndim != 2 or qvel.ndim != 2 or len(qpos) != len(qvel):
        raise ValueError(f"save_trajectory: qpos {qpos.shape} and qvel {qvel.shape} must be (frames, n) with equal frames")
    sp = np.array([0, len(qpos)]) if split_points is None else np.asarray(split_points, dtype=np.int64)
    np.savez(path, qpos=qpos, qvel=qvel, frequency=np.float64(frequency), joint_names=np.array(list(joint_names)),
             split_points=sp, **extra)


def resample_trajectory(traj, frequency, model=None):
    """Each clip of a trajectory dict (load_trajectory's) resampled to `frequency` as sinew-train
    does: hinge, slide and free translations linearly, ball and free rotations by slerp, qvel by
    finite differences of the resampled qpos. Joint types come from traj["jnt_type"] or `model`."""
    if "jnt_type" in traj:
        jt = [int(x) for x in np.asarray(traj["jnt_type"]).ravel()]
    elif model is not None:
        jt = [int(x) for x in model.jnt_type]
    else:
        raise ValueError("resample_trajectory: the trajectory has no 'jnt_type'; pass the model")
    names = [str(x) for x in np.asarray(traj.get("joint_names", []), dtype=str).ravel()]
    return _sinew.resample(np.ascontiguousarray(traj["qpos"], dtype=np.float64), np.ascontiguousarray(traj["qvel"], dtype=np.float64),
                           float(traj["frequency"]), [int(x) for x in np.asarray(traj["split_points"]).ravel()], jt, names,
                           float(frequency))


def reference(model, motion, preset="arm", **params):
    """The reference sinew-train and sinew.ImitationEnv build from `motion` (a path or a list of
    paths): checked joint by joint against the model, clips stacked, resampled to the control rate
    1 / (timestep * substeps), kinematics filled (xpos, xquat, cvel, subtree_com, site_xpos,
    site_xmat per frame). A dict of numpy arrays with LocoMuJoCo's keys."""
    from .env import _param
    motions = [str(motion)] if isinstance(motion, (str, bytes)) or hasattr(motion, "__fspath__") else [str(m) for m in motion]
    return _sinew.reference(model, motions, preset, [(k, _param(v)) for k, v in params.items()])


def load_bvh(path):
    """A BVH file as a retargeting source: dict(names, parents, pos (F, J, 3), rot (F, J, 9), fps),
    world positions and rotations in the file's axes and units (End Sites as "<parent>_end")."""
    names, parents, pos, rot, fps = _sinew.bvh_source(str(path))
    return {"names": names, "parents": parents, "pos": pos, "rot": rot, "fps": fps}


def retarget(model, source, keypoint_map, *, up=None, scale=0.0, per_segment=False, ground="frame", chunks=32,
             threads=None, frequency=None):
    """Motion capture onto a model with Sinew's retargeting (sinew-retarget; docs/retargeting.md).

    source: a .bvh path, or a dict with names, parents (-1 for a root, otherwise an earlier joint),
    pos (F, J, 3) world positions, fps, and optionally rot (F, J, 9) world rotations (row-major).
    keypoint_map: a map file's path, or its text ("source_joint model_body_or_site [weight]
    [orient=W]" per line). up: the source's up axis ("y" for BVH, "z" for AMASS; default y).
    Returns (trajectory, metrics): a trajectory dict (qpos, qvel, kinematics; save it with
    save_trajectory) and MuscleMimic's retargeting metrics (metrics["report"] as sinew-retarget
    prints it). frequency resamples the result (kinematics filled after resampling)."""
    if isinstance(source, (str, bytes)) or hasattr(source, "__fspath__"):
        source = load_bvh(source)
    for k in ("names", "parents", "pos", "fps"):
        if k not in source:
            raise ValueError(f"retarget: the source lacks '{k}'")
    text, where = str(keypoint_map), "<string>"
    if hasattr(keypoint_map, "__fspath__") or ("\n" not in text and os.path.isfile(text)):
        where = text
        with open(text) as f:
            text = f.read()
    rot = source.get("rot")
    rot = None if rot is None or np.size(rot) == 0 else np.ascontiguousarray(rot, dtype=np.float64)
    traj, met = _sinew.retarget(model, [str(n) for n in source["names"]], [int(p) for p in source["parents"]],
                                np.ascontiguousarray(source["pos"], dtype=np.float64), rot, float(source["fps"]), text, where,
                                up or "y", float(scale), bool(per_segment), ground, int(chunks), int(threads or 0),
                                float(frequency or 0))
    return traj, met
