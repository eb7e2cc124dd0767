"""PyTorch peer of popkit's preference-training step, for `popkit bench --peer pytorch`.

A development tool, not part of popkit: it rebuilds popkit/policy's decoder (token embedding;
per layer RMSNorm, fused q/k/v projection, RoPE on q and k with the first and second halves
of each head's features paired, causal softmax attention, output projection, RMSNorm, fused
gate/up projection, SiLU(gate) * up, down projection; final RMSNorm and output projection; no
biases) and the margin-DPO step: per-row response log-probs

    logp[b] = sum_{t >= 1, mask[b, t] != 0} mask[b, t] * log softmax(logits[b, t-1])[tokens[b, t]]

over 2B rows (chosen rows first), h = beta * ((logp_w - ref_w) - (logp_l - ref_l)) and
loss = mean softplus(offset - h), followed by an Adam update.

Modes:
  check DIR   read DIR/weights.json, DIR/weights.bin (float32, little-endian) and
              DIR/batch.json, written by popkit's bench package; print one JSON line with
              "logp" (per row) and "loss" for those weights and that batch.
  serve ...   build a randomly initialised model of the given sizes, then answer lines
              "run N" on stdin with "seconds S": the wall time of N preference steps.
"""

import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

MASKED_SCORE = -1e30


class Decoder(torch.nn.Module):
    """popkit/policy's decoder; parameter layouts follow GoMLX's ([in, out] for dense)."""

    def __init__(self, vocab, embed, layers, heads, ffn, rope_base=10000.0, eps=1e-5):
        super().__init__()
        self.vocab, self.embed, self.heads, self.ffn = vocab, embed, heads, ffn
        self.head_dim, self.rope_base, self.eps = embed // heads, rope_base, eps
        p = lambda *shape: torch.nn.Parameter(torch.randn(*shape) / math.sqrt(shape[0]))
        ones = lambda n: torch.nn.Parameter(torch.ones(n))
        self.token_embed = p(vocab, embed)
        self.layers = torch.nn.ModuleList()
        for _ in range(layers):
            layer = torch.nn.Module()
            layer.attn_norm, layer.mlp_norm = ones(embed), ones(embed)
            layer.qkv, layer.out = p(embed, 3 * embed), p(embed, embed)
            layer.gate_up, layer.down = p(embed, 2 * ffn), p(ffn, embed)
            self.layers.append(layer)
        self.final_norm, self.output = ones(embed), p(embed, vocab)

    def rms(self, x, scale):
        return x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * scale

    def forward(self, tokens):
        b, t = tokens.shape
        h, d = self.heads, self.head_dim
        half = d // 2
        freqs = self.rope_base ** (-2.0 * torch.arange(half, dtype=torch.float64) / d)
        angles = torch.arange(t, dtype=torch.float32)[:, None] * freqs.float()[None, :]
        cos, sin = torch.cos(angles), torch.sin(angles)  # [T, D/2]
        causal = torch.full((t, t), MASKED_SCORE).triu(1)

        def rope(x):  # x [B, H, T, D]
            x1, x2 = x[..., :half], x[..., half:]
            return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1)

        x = self.token_embed[tokens]
        for layer in self.layers:
            qkv = (self.rms(x, layer.attn_norm) @ layer.qkv).view(b, t, 3, h, d)
            q, k, v = qkv.permute(2, 0, 3, 1, 4)
            q, k = rope(q) / math.sqrt(d), rope(k)
            weights = torch.softmax(q @ k.transpose(-1, -2) + causal, -1)
            heads = (weights @ v).transpose(1, 2).reshape(b, t, self.embed)
            x = x + heads @ layer.out
            gate_up = self.rms(x, layer.mlp_norm) @ layer.gate_up
            gate, up = gate_up.view(b, t, 2, self.ffn).unbind(2)
            x = x + (F.silu(gate) * up) @ layer.down
        return self.rms(x, self.final_norm) @ self.output


def sequence_logprobs(logits, tokens, mask):
    logp = torch.log_softmax(logits[:, :-1], -1).gather(-1, tokens[:, 1:, None])[..., 0]
    m = mask[:, 1:]
    return torch.where(m != 0, m * logp, torch.zeros_like(logp)).sum(-1)


def dpo_loss(logp, ref_chosen, ref_rejected, offsets, beta):
    n = logp.shape[0] // 2
    h = beta * ((logp[:n] - ref_chosen) - (logp[n:] - ref_rejected))
    return F.softplus(offsets - h).mean()


def load_weights(model, directory, layers):
    with open(os.path.join(directory, "weights.json")) as f:
        manifest = json.load(f)
    flat = torch.from_numpy(
        __import__("numpy").fromfile(os.path.join(directory, "weights.bin"), dtype="<f4"))

    def get(name):
        entry = manifest[name]
        n = math.prod(entry["shape"])
        return flat[entry["offset"]:entry["offset"] + n].view(*entry["shape"])

    with torch.no_grad():
        model.token_embed.copy_(get("token_embed"))
        for i, layer in enumerate(model.layers):
            for attr, name in [("attn_norm", "attn_norm"), ("qkv", "qkv"), ("out", "attn_output"),
                               ("mlp_norm", "mlp_norm"), ("gate_up", "mlp_gate_up"),
                               ("down", "mlp_down")]:
                getattr(layer, attr).copy_(get(f"layer_{i}/{name}"))
        model.final_norm.copy_(get("final_norm"))
        model.output.copy_(get("output"))


def check(directory):
    with open(os.path.join(directory, "batch.json")) as f:
        batch = json.load(f)
    c = batch["config"]
    model = Decoder(c["vocab"], c["embed"], c["layers"], c["heads"], c["ffn"],
                    c["rope_base"], c["eps"])
    load_weights(model, directory, c["layers"])
    tokens = torch.tensor(batch["tokens"], dtype=torch.long)
    mask = torch.tensor(batch["mask"], dtype=torch.float32)
    with torch.no_grad():
        logp = sequence_logprobs(model(tokens), tokens, mask)
        loss = dpo_loss(logp, torch.tensor(batch["ref_chosen"]), torch.tensor(batch["ref_rejected"]),
                        torch.tensor(batch["offsets"]), batch["beta"])
    print(json.dumps({"logp": logp.tolist(), "loss": loss.item()}))


def serve(a):
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Decoder(a.vocab, a.embed, a.layers, a.heads, a.ffn)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    gen = torch.Generator().manual_seed(1)
    tokens = torch.randint(0, 256, (a.rows, a.seq), generator=gen)
    mask = torch.ones(a.rows, a.seq)
    mask[:, :a.prompt] = 0
    n = a.rows // 2
    ref_c, ref_r, offsets = torch.randn(n) - 1000, torch.randn(n) - 1000, torch.zeros(n)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = dpo_loss(sequence_logprobs(model(tokens), tokens, mask), ref_c, ref_r, offsets, 0.1)
        loss.backward()
        opt.step()
        return loss.item()

    step()  # warm-up: allocations and first-call costs stay outside the timed runs
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if len(words) != 2 or words[0] != "run":
            print(f"error: want 'run N', got {line.strip()!r}", flush=True)
            continue
        start = time.perf_counter()
        for _ in range(int(words[1])):
            step()
        print(f"seconds {time.perf_counter() - start:.6f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("check")
    c.add_argument("dir")
    s = sub.add_parser("serve")
    for name in ["rows", "seq", "prompt", "vocab", "embed", "layers", "heads", "ffn", "threads"]:
        s.add_argument("--" + name, type=int, required=True)
    a = parser.parse_args()
    if a.mode == "check":
        check(a.dir)
    else:
        serve(a)


if __name__ == "__main__":
    main()
