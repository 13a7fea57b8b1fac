"""sinew.ImitationEnv: Sinew's batched imitation environment as a Gymnasium 1.x vector environment.

    env = sinew.ImitationEnv(model, "models/arm_reach.npz", num_envs=256, preset="arm", seed=0)
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(actions)   # actions in [-1, 1]

The C++ environment does every world's work (actions onto ctrlrange, physics substeps, MuscleMimic's
reward terms, terminations, auto-reset, observations) with the GIL released; Python only copies the
outputs. Episodes that end are reset within the same step (Gymnasium's SAME_STEP autoreset mode):
the returned observation is the new episode's first, and info["final_obs"] holds the finished
episode's last observation where info["_final_obs"] is true. Configuration uses sinew-train's
hyper-parameter names (docs/training.md): a preset (arm, bimanual, fullbody) and keyword overrides,
for example ``w_site_pos=2.0``, ``nfuture=2``, ``mimic_sites="a,b"``, ``term_site_deviation=0.5``.
"""
import json
import os

import numpy as np

from . import _sinew

try:
    import gymnasium as gym
    from gymnasium.vector import AutoresetMode, VectorEnv
    from gymnasium.vector.utils import batch_space
except ImportError:  # pragma: no cover - the error names what is missing when the class is used
    gym = None
    VectorEnv = object


def _param(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return ",".join(str(x) for x in v)
    return str(v)


class ImitationEnv(VectorEnv):
    """num_envs worlds of `model` imitating the clips of `motion` (a trajectory .npz path or a list
    of them), configured as sinew-train: `preset` and hyper-parameters by name (keywords)."""

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP if gym else None}

    def __init__(self, model, motion, num_envs, preset="arm", seed=0, **params):
        if gym is None:
            raise ImportError("sinew.ImitationEnv needs gymnasium (pip install gymnasium)")
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs <= 0:
            raise ValueError(f"ImitationEnv: num_envs must be a positive integer, got {num_envs!r}")
        motions = [motion] if isinstance(motion, (str, os.PathLike)) else list(motion)
        params = {k: _param(v) for k, v in params.items()}
        params["seed"] = str(int(seed))
        self._e = _sinew.ImitationEnv(model, [os.fspath(m) for m in motions], int(num_envs), preset, list(params.items()))
        self.num_envs = self._e.num_envs
        self.config = json.loads(self._e.config_json())
        self.reward_term_names = list(_sinew.reward_term_names)
        self.single_observation_space = gym.spaces.Box(-np.inf, np.inf, (self._e.nobs,), np.float32)
        self.single_action_space = gym.spaces.Box(-1.0, 1.0, (self._e.nu,), np.float32)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)

    def reset(self, *, seed=None, options=None):
        """Resets every world (reference state initialization: a random clip and frame per world).
        With a seed the environment's random stream restarts from it: the same seed gives the
        same episodes under the same actions."""
        super().reset(seed=seed)
        if seed is not None:
            self._e.reseed(int(seed))
        else:
            self._e.reset()
        return self._e.out("obs"), {"clip": self._e.out("clip"), "frame": self._e.out("frame")}

    def step(self, actions):
        a = np.ascontiguousarray(actions, dtype=np.float32)
        if a.shape != (self.num_envs, self.single_action_space.shape[0]):
            raise ValueError(f"ImitationEnv.step: actions must have shape {(self.num_envs, self.single_action_space.shape[0])}, "
                             f"got {a.shape}")
        self._e.step(a)
        term = self._e.out("terminated").astype(bool)
        trunc = self._e.out("truncated").astype(bool)
        done = term | trunc
        info = {"reward_terms": self._e.out("terms"), "termination_reason": self._e.out("reason"), "clip": self._e.out("clip"),
                "frame": self._e.out("frame")}
        if done.any():
            info["final_obs"] = self._e.out("final_obs")
            info["_final_obs"] = done
            info["final_info"] = {}
            info["_final_info"] = done
        return self._e.out("obs"), self._e.out("reward").astype(np.float32), term, trunc, info
