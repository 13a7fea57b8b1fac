"""Shared helpers for tests that compare Sinew with MuJoCo on the real musculoskeletal models.

Model files come from the installed PyPI packages (musclemimic-models, myo-sim); nothing is copied
into the repository. MyoSuite-style arm and leg wrappers are generated at test time: they include
myo-sim's asset/tendon/muscle/chain files by absolute path, as MyoSuite's own myoarm.xml and
myolegs.xml do (its scene include is replaced by a floor plane: the scene's decor meshes are OBJ/MSH
files, which Sinew does not read).
"""
import os
import pathlib


def myo_sim_models_dir():
    import myo_sim
    return pathlib.Path(myo_sim.__file__).resolve().parent / "models"


def musclemimic_path(name):
    import musclemimic_models
    return str(musclemimic_models.get_xml_path(name))


def standing_motion(xml, path, seconds=1.0, fps=30):
    """A trajectory .npz that holds the model's first keyframe (qpos0 without one) for `seconds`."""
    import mujoco
    import numpy as np
    m = mujoco.MjModel.from_xml_path(xml)
    q = m.key_qpos[0].copy() if m.nkey else m.qpos0.copy()
    n = int(seconds * fps) + 1
    names = [mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_JOINT, j) for j in range(m.njnt)]
    np.savez(path, qpos=np.tile(q, (n, 1)), qvel=np.zeros((n, m.nv)), frequency=np.float64(fps),
             joint_names=np.array(names), jnt_type=m.jnt_type.astype(np.int64), split_points=np.array([0, n]))


_WRAPPER = """<mujoco model="{name}">
  <include file="{models}/{kind}/assets/{prefix}_assets.xml"/>
{extra}  <!-- after the includes on purpose: MuJoCo reads every <compiler> first, the last one wins -->
  <compiler meshdir="{models}" texturedir="{models}"/>
  <worldbody>
    <geom name="floor" type="plane" size="10 10 0.1" contype="1" conaffinity="1"/>
    {body}
  </worldbody>
</mujoco>
"""


def write_wrappers(tmpdir):
    """Writes myoarm.xml and myolegs.xml into tmpdir; returns {name: path}."""
    models = myo_sim_models_dir()
    tmp = pathlib.Path(tmpdir)
    out = {}
    arm_body = '<body name="full_body" pos="-.025 0.1 0.0"><include file="{m}/arm/assets/myoarm_r_chain.xml"/></body>'
    leg_body = ('<body name="root" pos="0 0 1"><include file="{m}/leg/assets/myolegs_chain.xml"/>'
                '<freejoint name="root"/></body>')
    # the arm's tendon file wraps over torso sites (MyoSuite pairs it with the torso model), so the
    # arm wrapper is the skeleton only; the leg wrapper has its tendons and muscles
    leg_extra = ('  <include file="{m}/leg/assets/myolegs_tendon.xml"/>\n'
                 '  <include file="{m}/leg/assets/myolegs_muscle.xml"/>\n').format(m=models)
    for name, kind, prefix, body, extra in [("myoarm", "arm", "myoarm_r", arm_body, ""),
                                            ("myolegs", "leg", "myolegs", leg_body, leg_extra)]:
        xml = _WRAPPER.format(name=name, models=models, kind=kind, prefix=prefix, body=body.format(m=models),
                              extra=extra)
        p = tmp / f"{name}.xml"
        p.write_text(xml)
        out[name] = str(p)
    return out


def model_paths(tmpdir):
    """All models of the compiler comparison: name -> absolute path."""
    models = myo_sim_models_dir()
    paths = {
        "myofullbody": musclemimic_path("myofullbody"),
        "bimanual": musclemimic_path("bimanual"),
        "myolegs_osl": str(models / "legacy" / "osl" / "myolegs_osl.xml"),
        "myoelbow_exo": str(models / "legacy" / "elbow" / "myoelbow_1dof6muscles_1dofSoftexo_Ideal.xml"),
    }
    paths.update(write_wrappers(tmpdir))
    return paths


def load_source(name, path):
    """A Python file as a module (examples and tools that are not installed packages)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
