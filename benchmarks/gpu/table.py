#!/usr/bin/env python3
"""Markdown table of Sinew against its GPU peers from run_all.sh's results (JSON lines).

  python3 benchmarks/gpu/table.py RESULTS.jsonl [--device "NVIDIA H100 ..."]

Records: {"engine": "meta", "model": NAME, "model_path": PATH} (names Sinew's paths), sinew-bench --json objects ("engine": "sinew") and peer_bench.py records ("engine":
"mjwarp", "mjwarp-nocon", "mjx", "mjx-warp"). Ratio = Sinew world-steps/s / peer world-steps/s
(above 1: Sinew is faster). The header says which peers ran and why the others did not.
"""
import argparse
import json
import sys

PEER_TITLES = {
    "mjwarp": "MuJoCo Warp",
    "mjwarp-nocon": "MuJoCo Warp, constraints off",
    "mjx": "MJX (JAX)",
    "mjx-warp": "MJX (impl=warp)",
}


def fmt(x):
    if x is None:
        return "-"
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k"
    return f"{x:.0f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--device", default="")
    args = ap.parse_args()
    recs = []
    with open(args.results) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    recs.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
    sinew = {}
    peers = {}
    why = {}
    impls = {}
    models = []
    names = {r["model_path"]: r["model"] for r in recs if r.get("model_path")}  # sinew records hold the path
    for r in recs:
        eng = r.get("engine")
        model = r.get("model") if eng != "sinew" else names.get(r.get("model"), r.get("model"))
        r["model_short"] = model
        if model not in models:
            models.append(model)
        if eng == "meta":
            continue
        if eng == "sinew":
            sinew[(model, r["nworld"])] = r
            continue
        if r.get("status") == "ok":
            peers.setdefault(eng, {})[(model, r["nworld"])] = r
            impls.setdefault(eng, r.get("impl", ""))
        else:
            why.setdefault(eng, []).append(f"{model}" + (f" nworld {r['nworld']}" if r.get("nworld") else "") +
                                           f": {r.get('status')}: {r.get('reason', '')[:300]}")
    out = []
    if args.device:
        out.append(f"Device: {args.device}")
        out.append("")
    eng_order = [e for e in PEER_TITLES if e in peers]
    ran = ", ".join(f"{PEER_TITLES[e]} ({impls[e]})" for e in eng_order) or "none"
    out.append(f"Peers that ran: {ran}.")
    for e, reasons in why.items():
        out.append(f"- {PEER_TITLES.get(e, e)} missing or partial: " + "; ".join(reasons[:4]) +
                   (f" (+{len(reasons) - 4} more)" if len(reasons) > 4 else ""))
    out.append("")
    head = ["model", "nworld", "Sinew steps/s"]
    for e in eng_order:
        head += [f"{PEER_TITLES[e]} steps/s", f"Sinew / {PEER_TITLES[e]}"]
    head.append("notes")
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 3) + ["---"]) + "|")
    sizes = sorted({k[1] for k in list(sinew) + [k for p in peers.values() for k in p]})
    for model in models:
        for nw in sizes:
            s = sinew.get((model, nw))
            if s is None and not any((model, nw) in p for p in peers.values()):
                continue
            sps = s["steps_per_second"] if s else None
            row = [model, str(nw), fmt(sps)]
            notes = []
            if s and s.get("resets"):
                notes.append(f"Sinew: {s['resets']} non-finite world-steps reset")
            for e in eng_order:
                p = peers[e].get((model, nw))
                psps = p["steps_per_second"] if p else None
                row += [fmt(psps), f"{sps / psps:.2f}" if sps and psps else "-"]
                if p and p.get("nonfinite"):
                    notes.append(f"{e}: {p['nonfinite']} worlds non-finite at the end")
            row.append("; ".join(notes))
            out.append("| " + " | ".join(row) + " |")
    stages = [r for r in sinew.values() if r.get("stages")]
    if stages:
        out.append("")
        out.append("Sinew per stage (ms per batched step):")
        out.append("")
        names = [st["name"] for st in stages[0]["stages"]]
        out.append("| model | nworld | " + " | ".join(names) + " | whole step |")
        out.append("|---|---:|" + "---:|" * (len(names) + 1))
        for r in stages:
            vals = {st["name"]: st["ms_per_step"] for st in r["stages"]}
            out.append(f"| {r['model_short']} | {r['nworld']} | " +
                       " | ".join(f"{vals.get(n, float('nan')):.3f}" for n in names) + f" | {r['ms_per_step']:.3f} |")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
