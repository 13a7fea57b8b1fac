"""sinew.Policy: a checkpoint of sinew-train (.npz) as a numpy policy.

    policy = sinew.Policy.load("runs/arm/final.npz")
    actions = policy(obs)                       # mean actions, (n, nu) from raw observations (n, nobs)
    actions = policy(obs, deterministic=False, rng=np.random.default_rng(0))   # sampled

The observation is normalized with the checkpoint's frozen running statistics and clipped as the
trainer does, then goes through the actor: Dense -> LayerNorm (eps 1e-6) -> SiLU hidden layers and
a linear output; sampling adds exp(log_std) * N(0, 1). Actions are in the environment's [-1, 1]
convention (the environment clips). Computed in float64 (the trainer's float32 agrees to rounding).
"""
import json

import numpy as np

_LAYERNORM_EPS = 1e-6
_NORMALIZER_EPS = 1e-8


class Policy:
    def __init__(self, layers, log_std, obs_mean, obs_var, obs_clip, obs_norm, config):
        self.layers = layers          # [(weight (out, in), bias (out,), ln_scale or None, ln_bias or None)]
        self.log_std = log_std
        self.obs_mean, self.obs_var, self.obs_clip, self.obs_norm = obs_mean, obs_var, obs_clip, obs_norm
        self.config = config
        self.obs_size = layers[0][0].shape[1]
        self.action_size = layers[-1][0].shape[0]

    @classmethod
    def load(cls, path):
        """Reads the actor, log-std, observation normalizer and configuration of a checkpoint; a
        file that is not a Sinew checkpoint, or whose arrays do not fit together, is a ValueError
        naming the file and the array."""
        with np.load(path, allow_pickle=False) as f:
            a = {k: f[k] for k in f.files}
        if "config" not in a:
            raise ValueError(f"{path}: not a Sinew checkpoint (no 'config')")
        cfg = json.loads(str(a["config"][0]))
        layers, l = [], 0
        while f"actor.layer{l}.weight" in a:
            w, b = a[f"actor.layer{l}.weight"].astype(np.float64), a[f"actor.layer{l}.bias"].astype(np.float64)
            s, o = a.get(f"actor.layer{l}.ln_scale"), a.get(f"actor.layer{l}.ln_bias")
            if b.shape != (w.shape[0],):
                raise ValueError(f"{path}: 'actor.layer{l}.bias' has shape {b.shape}, the weight {w.shape}")
            if layers and layers[-1][0].shape[0] != w.shape[1]:
                raise ValueError(f"{path}: 'actor.layer{l}.weight' takes {w.shape[1]} inputs, the layer before gives {layers[-1][0].shape[0]}")
            layers.append((w, b, None if s is None else s.astype(np.float64), None if o is None else o.astype(np.float64)))
            l += 1
        if not layers:
            raise ValueError(f"{path}: checkpoint has no 'actor.layer0.weight'")
        nobs, nu = layers[0][0].shape[1], layers[-1][0].shape[0]
        for k, n in [("obs_norm.mean", nobs), ("obs_norm.var", nobs), ("log_std", nu)]:
            if k not in a or a[k].shape != (n,):
                raise ValueError(f"{path}: '{k}' is missing or not of shape ({n},)")
        return cls(layers, a["log_std"].astype(np.float64), a["obs_norm.mean"], a["obs_norm.var"],
                   float(cfg.get("obs_clip", 10.0)), bool(cfg.get("obs_norm", True)), cfg)

    def normalize(self, obs):
        x = np.asarray(obs, dtype=np.float64)
        if not self.obs_norm:
            return x
        return np.clip((x - self.obs_mean) / np.sqrt(self.obs_var + _NORMALIZER_EPS), -self.obs_clip, self.obs_clip)

    def __call__(self, obs, deterministic=True, rng=None):
        obs = np.asarray(obs)
        one = obs.ndim == 1
        if obs.shape[-1] != self.obs_size:
            raise ValueError(f"Policy: observations have {obs.shape[-1]} values, the policy takes {self.obs_size}")
        x = self.normalize(np.atleast_2d(obs))
        for i, (w, b, s, o) in enumerate(self.layers):
            x = x @ w.T + b
            if i + 1 < len(self.layers):
                if s is not None:
                    mu = x.mean(axis=1, keepdims=True)
                    var = ((x - mu) ** 2).mean(axis=1, keepdims=True)
                    x = (x - mu) / np.sqrt(var + _LAYERNORM_EPS) * s + o
                x = x / (1.0 + np.exp(-x))      # SiLU
        if not deterministic:
            rng = np.random.default_rng() if rng is None else rng
            x = x + np.exp(self.log_std) * rng.standard_normal(x.shape)
        return x[0] if one else x
