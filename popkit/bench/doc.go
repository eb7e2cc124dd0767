// Package bench measures popkit's training steps: tokens per second of the reference (SFT)
// step and of the preference (margin-DPO) step at the default sizes, the model's FLOPs per
// step and its share of a matmul ceiling measured in the same run, the Bradley-Terry fit,
// what caching the reference log-probs saves, and, side by side in one run, the same step in
// PyTorch (a development peer, see peer/pytorch_step.py; never a dependency of popkit).
//
// Numbers measured on a shared machine drift with the load; ratios are therefore measured in
// alternating pairs (ours, then the peer's) and reported as the median of the pairs, so that
// both sides see the same contention.
//
// [CheckBackend] evaluates the same weights and batch on two backends and compares the
// log-probs and the loss, for users who run popkit on another backend (xla:cuda, say).
package bench
