"""examples/python/train_ppo_torch.py without PyTorch (not installed in CI: about 3 GB with its CUDA
libraries): its numpy half, collect() and gae(), runs for a few steps on sinew.ImitationEnv with a
numpy stand-in for the networks, and is checked against what Gymnasium's same-step auto-reset
requires: truncated episodes bootstrap from infos["final_obs"], terminated ones from nothing,
and advantages never leak across an episode end. With torch installed the whole example runs."""
import os
import subprocess
import sys

import numpy as np
import pytest

from models_util import load_source

sinew = pytest.importorskip("sinew")
pytest.importorskip("gymnasium")
ROOT = os.environ.get("SINEW_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(ROOT, "examples/python/train_ppo_torch.py")


def example():
    return load_source("train_ppo_torch", EXAMPLE)


def test_collect_and_gae_with_numpy_stand_ins():
    ex = example()
    m = sinew.Model.from_xml_path(f"{ROOT}/models/arm.xml")
    # short horizon: truncations happen within the collected steps
    env = sinew.ImitationEnv(m, f"{ROOT}/models/arm_reach.npz", 16, preset="arm", seed=0, horizon=5)
    rng = np.random.default_rng(0)
    W = rng.normal(size=(env.single_observation_space.shape[0],)) * 1e-3
    seen = []

    def act_value(obs):  # the stand-in: random actions, a linear "value"
        seen.append(obs)
        a = rng.uniform(-1, 1, (len(obs), env.single_action_space.shape[0])).astype(np.float32)
        return a, np.zeros(len(obs), np.float32), (obs @ W).astype(np.float32)

    obs, _ = env.reset(seed=0)
    batch, nxt = ex.collect(env, obs, act_value, 12)
    T, N = 12, env.num_envs
    assert batch["obs"].shape == (T, N, env.single_observation_space.shape[0]) and batch["act"].shape == (T, N, m.nu)
    assert batch["rew"].shape == (T, N) and batch["done"].dtype == bool
    assert batch["done"].sum() >= N  # horizon 5: every world ended at least twice in 12 steps
    # the bootstrap value is the stand-in's value of final_obs where an episode was truncated, else 0
    assert np.all(batch["boot"][~batch["done"]] == 0)
    assert np.any(batch["boot"][batch["done"]] != 0)
    last = (nxt @ W).astype(np.float32)
    adv, ret = ex.gae(batch, last, gamma=0.9, lam=0.8)
    # reference recursion, written out for one world
    w = int(np.argmax(batch["done"].sum(0)))
    a_ref, running = np.zeros(T), 0.0
    for t in reversed(range(T)):
        d = float(batch["done"][t, w])
        nv = last[w] if t == T - 1 else batch["val"][t + 1, w]
        delta = batch["rew"][t, w] + 0.9 * (batch["boot"][t, w] * d + nv * (1 - d)) - batch["val"][t, w]
        running = delta + 0.9 * 0.8 * (1 - d) * running
        a_ref[t] = running
    assert np.allclose(adv[:, w], a_ref, atol=1e-6) and np.allclose(ret, adv + batch["val"])
    # an episode end cuts the advantage: the step that ended has no contribution from later steps
    t_end = int(np.argmax(batch["done"][:, w]))
    d0 = batch["rew"][t_end, w] + 0.9 * batch["boot"][t_end, w] - batch["val"][t_end, w]
    assert adv[t_end, w] == pytest.approx(d0, abs=1e-6)


def test_the_whole_example_runs_where_torch_is_installed(tmp_path):
    pytest.importorskip("torch")
    r = subprocess.run([sys.executable, EXAMPLE, "--model", f"{ROOT}/models/arm.xml", "--motion", f"{ROOT}/models/arm_reach.npz",
                        "--steps", "20480", "--num-envs", "64", "--device", "cpu"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "env steps/s" in r.stdout
