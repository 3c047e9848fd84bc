"""PyTorch (CPU) versions of the same pruning algorithms as packages/pruners/src/methods, written from the spec
(../../shared/spec/pruners.md) for the speed comparison in bench/run.ts. Not a library: a line-oriented server.

stdin, one JSON object per line:
  {"load": "<dir>"}                                 read meta.json and the float32 .bin arrays written by run.ts
  {"run": "<method>", "keep": k, "reps": r, "warmup": true, "inner": i}   time r runs of i back-to-back calls each
                                                    (i defaults to 1; times are per call), after a warm-up unless "warmup" is
                                                    false), reply times and kept indices
stdout: one JSON object per line in reply. Run with /usr/bin/python3 (Debian's torch); 2 threads like the TS side.
"""
import json
import math
import os
import sys
import time

import torch

torch.set_num_threads(2)
EPS = 1e-12


def cos_matrix(x, y=None):
    xn = x / x.norm(dim=1, keepdim=True).clamp_min(EPS)
    yn = xn if y is None else y / y.norm(dim=1, keepdim=True).clamp_min(EPS)
    return xn @ yn.T


def view_tokens(view):
    r = torch.arange(view["rows"]).unsqueeze(1)
    c = torch.arange(view["cols"]).unsqueeze(0)
    return (view["offset"] + r * view.get("rowStride", view["cols"]) + c).reshape(-1)


def apportion(total, weights, caps):
    """Largest remainder with caps; overflow to parts with room in order of weight (same rule as the TS side)."""
    m = len(weights)
    s = sum(weights)
    quotas = [total * w / s if s > 0 else total / m for w in weights]
    parts = [math.floor(q) for q in quotas]
    left = total - sum(parts)
    order = sorted(range(m), key=lambda j: (-(quotas[j] - math.floor(quotas[j])), -weights[j], j))
    for j in order[:left]:
        parts[j] += 1
    overflow = 0
    for j in range(m):
        if parts[j] > caps[j]:
            overflow += parts[j] - caps[j]
            parts[j] = caps[j]
    for j in sorted(range(m), key=lambda j: (-weights[j], j)):
        if overflow == 0:
            break
        give = min(caps[j] - parts[j], overflow)
        if give > 0:
            parts[j] += give
            overflow -= give
    return parts


class Data:
    def __init__(self, folder):
        with open(os.path.join(folder, "meta.json")) as f:
            self.meta = json.load(f)
        self.n, self.d = self.meta["n"], self.meta["d"]
        self.dclip, self.ntext = self.meta["dClip"], self.meta["nText"]
        self.arrays = {}
        for name in self.meta["arrays"]:
            raw = open(os.path.join(folder, name + ".bin"), "rb").read()
            self.arrays[name] = torch.frombuffer(bytearray(raw), dtype=torch.float32)
        n, d = self.n, self.d
        self.tokens = self.arrays["tokens"].view(n, d)
        self.hidden = self.arrays["hiddenStates"].view(n, d)
        self.text_hidden = self.arrays["textHiddenStates"].view(self.ntext, d)
        self.text_input = self.arrays["textInputEmbeds"].view(self.ntext, d)
        self.clip = self.arrays["clipImageEmbeds"].view(n, self.dclip)
        self.clip_text = self.arrays["clipTextEmbed"]
        self.views = self.meta["views"]
        self.always = torch.tensor(self.meta.get("alwaysKeep", []), dtype=torch.long)
        self.candidates = torch.cat([view_tokens(v) for v in self.views])


def kept_indices(data, selected):
    """What every method returns, like prune() on the TypeScript side: the sorted kept indices, alwaysKeep
    included (timed with the method)."""
    keep = torch.cat([torch.as_tensor(selected, dtype=torch.long).reshape(-1), data.always])
    return torch.sort(keep).values


def m_random(data, k, seed=0):
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(data.candidates), generator=g)[:k]
    return data.candidates[perm]


def m_uniform(data, k):
    sizes = [v["rows"] * v["cols"] for v in data.views]
    shares = apportion(k, sizes, sizes)
    out = []
    for v, kv in zip(data.views, shares):
        toks = view_tokens(v)
        if kv > 0:
            out.append(toks[((torch.arange(kv) + 0.5) * len(toks) / kv).floor().long()])
    return torch.cat(out) if out else torch.empty(0, dtype=torch.long)


def m_fastv(data, k):
    a = data.arrays["lastTokenAttention"][data.candidates]
    return data.candidates[torch.topk(a, k).indices]


def m_fastervlm(data, k):
    a = data.arrays["clsAttention"][data.candidates]
    return data.candidates[torch.topk(a, k).indices]


def m_gridprune(data, k, zone=2, temperature=1.0, alpha=0.5):
    r = torch.zeros(data.n)
    r[data.candidates] = cos_matrix(data.clip[data.candidates], data.clip_text.view(1, -1)).view(-1)
    att = data.arrays["clsAttention"]
    sizes = [v["rows"] * v["cols"] for v in data.views]
    budgets = apportion(k, sizes, sizes)
    out = []
    for v, kv in zip(data.views, budgets):
        toks = view_tokens(v).view(v["rows"], v["cols"])
        flat = toks.reshape(-1)
        a = att[flat]
        a = (a - a.min()) / (a.max() - a.min()) if a.max() > a.min() else torch.zeros_like(a)
        score = torch.zeros(data.n)
        score[flat] = (1 - alpha) * (r[flat] + 1) / 2 + alpha * a
        zones = []
        for r0 in range(0, v["rows"], zone):
            for c0 in range(0, v["cols"], zone):
                zones.append(toks[r0:r0 + zone, c0:c0 + zone].reshape(-1))
        rbar = torch.stack([r[z].mean() for z in zones])
        p = torch.softmax(rbar / temperature, dim=0).tolist()
        shares = apportion(kv, p, [len(z) for z in zones])
        for z, kz in zip(zones, shares):
            if kz > 0:
                out.append(z[torch.topk(score[z], kz).indices])
    return torch.cat(out)


def m_d2pruner(data, k, ratio=0.7, thr=0.8):
    a = data.arrays["lastTokenAttention"] / (data.arrays["attentionPrior"] + 1e-7)
    order = data.candidates[torch.argsort(a[data.candidates], descending=True, stable=True)]
    pivots = int(math.floor(ratio * k))
    selected = order[:pivots].tolist()
    rest = order[pivots:]
    if len(selected) < k:
        # The bench runs the default beta = 1, where the spatial term vanishes; it is not written here.
        adj = cos_matrix(data.hidden[rest]) > thr
        available = torch.ones(len(rest), dtype=torch.bool)
        suppressed = torch.zeros(len(rest), dtype=torch.bool)
        for i in range(len(rest)):
            if len(selected) == k:
                break
            if not available[i]:
                continue
            selected.append(int(rest[i]))
            available[i] = False
            neighbours = adj[i] & available
            suppressed |= neighbours
            available &= ~neighbours
        if len(selected) < k:
            selected += rest[suppressed][: k - len(selected)].tolist()
    return torch.tensor(selected)


def m_gprune(data, k, s=0.5, tau=0.03, iterations=5):
    sizes = [v["rows"] * v["cols"] for v in data.views]
    budgets = apportion(k, sizes, sizes)
    out = []
    for v, kv in zip(data.views, budgets):
        toks = view_tokens(v)
        x = data.tokens[toks]
        c = cos_matrix(x)
        logits = torch.where(c >= s, c / tau, torch.full_like(c, -5000.0))
        p = torch.softmax(logits, dim=1)
        degree = (p != 0).sum(dim=1)
        score = x.norm(dim=1)
        for _ in range(iterations):
            score = p @ score
        out.append(toks[torch.topk(score / degree, kv).indices])
    return torch.cat(out)


def m_divprune(data, k):
    x = data.tokens[data.candidates]
    dist = 1 - cos_matrix(x)
    m = dist.shape[0]
    dist_nodiag = dist.clone()
    dist_nodiag.fill_diagonal_(float("inf"))
    nearest = dist_nodiag.min(dim=1).values
    selected = []
    taken = torch.zeros(m, dtype=torch.bool)
    for t in range(k):
        pick = int(torch.argmax(nearest.masked_fill(taken, -float("inf"))))
        selected.append(pick)
        taken[pick] = True
        nearest = dist[pick].clone() if t == 0 else torch.minimum(nearest, dist[pick])
    return data.candidates[torch.tensor(selected)]


def m_cdpruner(data, k):
    cand = data.candidates
    r = cos_matrix(data.clip[cand], data.clip_text.view(1, -1)).view(-1)
    q = (r - r.min()) / (r.max() - r.min()) if r.max() > r.min() else torch.zeros_like(r)
    s = cos_matrix(data.tokens[cand])
    kernel = q.unsqueeze(1) * s * q.unsqueeze(0)
    m = len(cand)
    cis = torch.zeros(k, m)
    di2s = torch.diagonal(kernel).clone()
    selected = []
    for i in range(k):
        j = int(torch.argmax(di2s))
        if di2s[j] <= 1e-10:
            break
        selected.append(j)
        eis = (kernel[j] - cis[:i, j] @ cis[:i]) / torch.sqrt(di2s[j])
        cis[i] = eis
        di2s -= eis * eis
        di2s[j] = -float("inf")
    if len(selected) < k:
        rest = [i for i in torch.argsort(q, descending=True, stable=True).tolist() if i not in set(selected)]
        selected += rest[: k - len(selected)]
    return cand[torch.tensor(selected)]


def m_visionzip(data, k, ratio=54 / 64):
    cand = data.candidates
    kd = min(k, round(ratio * k))
    att = data.arrays["clsAttention"][cand]
    dom_pos = torch.topk(att, kd).indices
    mask = torch.ones(len(cand), dtype=torch.bool)
    mask[dom_pos] = False
    remaining = cand[mask]
    kc = k - kd
    if kc == 0:
        return cand[dom_pos]
    step = max(1, len(remaining) // kc)
    tpos = torch.arange(0, len(remaining), step)[:kc]
    tmask = torch.zeros(len(remaining), dtype=torch.bool)
    tmask[tpos] = True
    targets, others = remaining[tmask], remaining[~tmask]
    sim = cos_matrix(data.tokens[others], data.tokens[targets])
    assign = sim.argmax(dim=1)
    merged = data.tokens[targets].clone()
    merged.index_add_(0, assign, data.tokens[others])
    counts = torch.ones(kc).index_add_(0, assign, torch.ones(len(others)))
    merged /= counts.unsqueeze(1)
    return torch.cat([cand[dom_pos], targets])


def m_dart(data, k, img_pivots=4, txt_pivots=4):
    cand = data.candidates
    norms = data.arrays["keyNorms"]
    ip = cand[torch.topk(norms[cand], min(k, img_pivots)).indices]
    tp = torch.topk(norms[data.n:], min(data.ntext, txt_pivots)).indices
    pivots = torch.cat([data.hidden[ip], data.text_hidden[tp]])
    remaining = k - len(ip)
    selected = ip.tolist()
    if remaining > 0:
        sim = cos_matrix(pivots, data.hidden[cand])
        taken = torch.zeros(data.n, dtype=torch.bool)
        taken[ip] = True
        count = len(pivots)
        for p in range(count):
            quota = remaining // count + (1 if p < remaining % count else 0)
            scores = (-sim[p]).masked_fill(taken[cand], -float("inf"))
            pick = cand[torch.topk(scores, quota).indices]
            taken[pick] = True
            selected += pick.tolist()
    return torch.tensor(selected)


METHODS = {
    "gridprune": m_gridprune, "d2pruner": m_d2pruner, "gprune": m_gprune, "random": m_random,
    "uniform": m_uniform, "fastv": m_fastv, "fastervlm": m_fastervlm, "visionzip": m_visionzip,
    "divprune": m_divprune, "cdpruner": m_cdpruner, "dart": m_dart,
}


def main():
    data = None
    for line in sys.stdin:
        cmd = json.loads(line)
        if "load" in cmd:
            data = Data(cmd["load"])
            reply = {"loaded": True, "threads": torch.get_num_threads(), "torch": torch.__version__}
        else:
            fn = METHODS[cmd["run"]]
            budget = cmd["keep"] - len(data.always)
            with torch.no_grad():
                if cmd.get("warmup", True):
                    kept_indices(data, fn(data, budget))
                times = []
                inner = cmd.get("inner", 1)
                for _ in range(cmd["reps"]):
                    t0 = time.perf_counter()
                    for _ in range(inner):
                        kept = kept_indices(data, fn(data, budget))
                    times.append((time.perf_counter() - t0) * 1000 / inner)
            reply = {"times": times, "keep": kept.tolist()}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
