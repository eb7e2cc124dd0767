package policy

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"
)

// TestTokenLogProbsHugeLogits checks that TokenLogProbs stays finite, with finite gradients,
// for logits far beyond exp's float32 range (exp(89) already overflows). One row, T = 2, V = 3,
// logits at position 0 = (1e4, 0, -1e4). By hand: log sum_j exp(z_j) = 1e4 + log(1 + e^-1e4 +
// e^-2e4) = 1e4 in float32, so log softmax = (0, -1e4, -2e4), each exact in float32. The
// gradient of log softmax(z)[k] with respect to z_j is [j = k] - softmax(z)_j, and softmax(z) =
// (1, e^-1e4, e^-2e4) = (1, 0, 0) in float32: for the target k = 1 the gradient is (-1, 1, 0).
func TestTokenLogProbsHugeLogits(t *testing.T) {
	backend := testBackend()
	for _, c := range []struct {
		target   int32
		want     float32
		wantGrad []float32
	}{
		{0, 0, []float32{0, 0, 0}},
		{1, -1e4, []float32{-1, 1, 0}},
		{2, -2e4, []float32{-1, 0, 1}},
	} {
		logits := [][][]float32{{{1e4, 0, -1e4}, {0, 0, 0}}}
		tokens := [][]int32{{0, c.target}}
		outs := MustExecOnceN(backend, func(logits, tokens *Node) (*Node, *Node) {
			lp := TokenLogProbs(logits, tokens)
			return lp, Gradient(ReduceAllSum(lp), logits)[0]
		}, logits, tokens)
		got := tensors.MustCopyFlatData[float32](outs[0])
		grad := tensors.MustCopyFlatData[float32](outs[1])
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("target %d: log-prob %v, want %g", c.target, got, c.want)
		}
		for j, want := range c.wantGrad {
			if g := grad[j]; g != want || math.IsNaN(float64(g)) {
				t.Errorf("target %d: d/d logit %d = %g, want %g", c.target, j, g, want)
			}
		}
	}
}
