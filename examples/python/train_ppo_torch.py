"""Your own PPO on sinew.ImitationEnv, written with PyTorch: how a user with their own RL code plugs
Sinew in. An example, not a second trainer (sinew-train is the trainer; docs/training.md).

    pip install torch                      # CPU or CUDA build; the environment runs on the CPU
    python examples/python/train_ppo_torch.py --steps 1000000 [--num-envs 128] [--device cuda]

The environment is Gymnasium's vector API with same-step auto-reset: when an episode ends in a
step, the returned observation starts the next one, and infos["final_obs"] holds the last
observation of the one that ended, which bootstraps the value of a truncated episode (a
terminated one bootstraps nothing). collect() and gae() below use numpy only; the networks and
the update use torch, imported in main().
"""
import argparse
import time

import numpy as np

import sinew


def collect(env, obs, act_value, nsteps):
    """nsteps vector steps from obs. act_value(obs) -> (actions, log_probs, values) as numpy.
    Returns the batch (arrays of shape (nsteps, num_envs, ...)) and the next observation."""
    B = {k: [] for k in ("obs", "act", "logp", "val", "rew", "done", "boot")}
    for _ in range(nsteps):
        a, logp, v = act_value(obs)
        nobs, r, term, trunc, info = env.step(a)
        boot = np.zeros(env.num_envs, dtype=np.float32)  # value of the last state of a truncated episode
        if trunc.any():
            _, _, vf = act_value(info["final_obs"])
            boot = np.where(trunc & ~term, vf, 0.0).astype(np.float32)
        for k, x in zip(B, (obs, a, logp, v, r, term | trunc, boot)):
            B[k].append(x)
        obs = nobs
    return {k: np.asarray(v) for k, v in B.items()}, obs


def gae(batch, last_value, gamma=0.99, lam=0.95):
    """Generalized advantage estimation over a collected batch; truncations bootstrap from final_obs."""
    T = len(batch["rew"])
    adv = np.zeros_like(batch["rew"], dtype=np.float32)
    last = np.zeros_like(last_value, dtype=np.float32)
    for t in reversed(range(T)):
        nv = last_value if t == T - 1 else batch["val"][t + 1]
        done = batch["done"][t].astype(np.float32)
        delta = batch["rew"][t] + gamma * (batch["boot"][t] * done + nv * (1 - done)) - batch["val"][t]
        last = delta + gamma * lam * (1 - done) * last
        adv[t] = last
    return adv, adv + batch["val"]


def main(argv=None):
    import torch
    from torch import nn

    ap = argparse.ArgumentParser(description="PPO with PyTorch on sinew.ImitationEnv")
    ap.add_argument("--model", default="models/arm.xml")
    ap.add_argument("--motion", default="models/arm_reach.npz")
    ap.add_argument("--preset", default="arm")
    ap.add_argument("--num-envs", type=int, default=128)
    ap.add_argument("--nsteps", type=int, default=32)
    ap.add_argument("--steps", type=int, default=1_000_000)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--minibatches", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args(argv)
    torch.manual_seed(args.seed)
    dev = torch.device(args.device)

    env = sinew.ImitationEnv(sinew.Model.from_xml_path(args.model), args.motion, args.num_envs, preset=args.preset, seed=args.seed)
    nobs, nu = env.single_observation_space.shape[0], env.single_action_space.shape[0]

    def mlp(out):
        return nn.Sequential(nn.Linear(nobs, 128), nn.SiLU(), nn.Linear(128, 128), nn.SiLU(), nn.Linear(128, out))

    actor, critic = mlp(nu).to(dev), mlp(1).to(dev)
    log_std = nn.Parameter(torch.full((nu,), np.log(0.5), device=dev))
    opt = torch.optim.Adam([*actor.parameters(), *critic.parameters(), log_std], lr=args.lr)
    mean, var, count = np.zeros(nobs), np.ones(nobs), 1e-4  # running observation normalizer

    def norm(o):
        return torch.as_tensor(np.clip((o - mean) / np.sqrt(var + 1e-8), -10, 10), dtype=torch.float32, device=dev)

    @torch.no_grad()
    def act_value(o):
        x = norm(o)
        dist = torch.distributions.Normal(actor(x), log_std.exp())
        a = dist.sample()
        return a.cpu().numpy(), dist.log_prob(a).sum(-1).cpu().numpy(), critic(x).squeeze(-1).cpu().numpy()

    obs, _ = env.reset(seed=args.seed)
    t0, done_steps, update = time.time(), 0, 0
    while done_steps < args.steps:
        batch, obs = collect(env, obs, act_value, args.nsteps)
        flat = batch["obs"].reshape(-1, nobs)
        bm, bv, n = flat.mean(0), flat.var(0), len(flat)  # Welford merge of the batch statistics
        d, tot = bm - mean, count + n
        mean, var, count = mean + d * n / tot, (var * count + bv * n + d * d * count * n / tot) / tot, tot
        adv, ret = gae(batch, act_value(obs)[2])
        X, A, LP = norm(flat), torch.as_tensor(batch["act"].reshape(-1, nu), device=dev), torch.as_tensor(batch["logp"].ravel(), device=dev)
        ADV, RET = torch.as_tensor(adv.ravel(), device=dev), torch.as_tensor(ret.ravel(), device=dev)
        ADV = (ADV - ADV.mean()) / (ADV.std() + 1e-8)
        for _ in range(args.epochs):
            for idx in torch.randperm(len(X), device=dev).chunk(args.minibatches):
                dist = torch.distributions.Normal(actor(X[idx]), log_std.exp())
                ratio = (dist.log_prob(A[idx]).sum(-1) - LP[idx]).exp()
                pg = -torch.min(ratio * ADV[idx], ratio.clamp(0.8, 1.2) * ADV[idx]).mean()
                vl = 0.5 * (critic(X[idx]).squeeze(-1) - RET[idx]).pow(2).mean()
                loss = pg + 0.5 * vl - 0.0 * dist.entropy().sum(-1).mean()
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_([*actor.parameters(), *critic.parameters(), log_std], 1.0)
                opt.step()
        done_steps += args.num_envs * args.nsteps
        update += 1
        if update % 10 == 0 or done_steps >= args.steps:
            ep = batch["done"].mean()
            print(f"update {update:4d}  env steps {done_steps:9d}  reward {batch['rew'].mean():.3f}  "
                  f"episode ends/step {ep:.4f}  std {log_std.exp().mean().item():.3f}  "
                  f"{done_steps / (time.time() - t0):,.0f} env steps/s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
