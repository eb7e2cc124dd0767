package dpo

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"
)

// TestLossExtremeMarginsBeta10 evaluates the loss and its gradient with beta = 10 and
// log-ratio differences of +-1,000, so h = 10 * (+-1,000) = +-10,000, in float32 (the dtype of
// training) and float64. By hand, with z = delta - h and offsets 0:
//
//	h = +10,000: loss = log(1 + e^-10,000) = e^-10,000 (to first order), which is 0 in
//	             both dtypes; dL/dh = -sigmoid(-10,000) = 0, so dL/d(policy chosen) = 0.
//	h = -10,000: loss = log(1 + e^10,000) = 10,000 + log(1 + e^-10,000) = 10,000 exactly
//	             in both dtypes (a naive log(1 + exp(z)) is +Inf); dL/dh = -sigmoid(10,000)
//	             = -1, so dL/d(policy chosen) = beta * -1 = -10 and dL/d(policy rejected) =
//	             +10.
//
// With offset 5,000 on h = +10,000: loss = log(1 + e^-5,000) = 0, gradient 0.
func TestLossExtremeMarginsBeta10(t *testing.T) {
	backend := testBackend(t)
	const beta = 10.0
	// Policy chosen, policy rejected, reference chosen, reference rejected, offset.
	pc := []float64{-10, -1010, -10}
	pr := []float64{-1010, -10, -1010}
	rc := []float64{-10, -10, -10}
	rr := []float64{-10, -10, -10}
	off := []float64{0, 0, 5000}
	wantLoss := []float64{0, 10000, 0}
	wantGradChosen := []float64{0, -10, 0}
	for _, dtype := range []string{"float32", "float64"} {
		conv := func(x []float64) any {
			if dtype == "float64" {
				return x
			}
			out := make([]float32, len(x))
			for i, v := range x {
				out[i] = float32(v)
			}
			return out
		}
		outs := MustExecOnceN(backend, func(pc, pr, rc, rr, off *Node) (*Node, *Node, *Node) {
			per := Loss(beta, LogProbs{pc, pr, rc, rr}, off)
			g := Gradient(ReduceAllSum(per), pc, pr)
			return per, g[0], g[1]
		}, conv(pc), conv(pr), conv(rc), conv(rr), conv(off))
		values := make([][]float64, 3)
		for k, o := range outs {
			if dtype == "float64" {
				values[k] = tensors.MustCopyFlatData[float64](o)
				continue
			}
			for _, v := range tensors.MustCopyFlatData[float32](o) {
				values[k] = append(values[k], float64(v))
			}
		}
		for i := range wantLoss {
			loss, gc, gr := values[0][i], values[1][i], values[2][i]
			if loss != wantLoss[i] || gc != wantGradChosen[i] || gr != -wantGradChosen[i] {
				t.Errorf("%s case %d: loss %g, gradients %g, %g; want %g, %g, %g", dtype, i,
					loss, gc, gr, wantLoss[i], wantGradChosen[i], -wantGradChosen[i])
			}
			for _, v := range []float64{loss, gc, gr} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%s case %d: non-finite value %g", dtype, i, v)
				}
			}
		}
	}
}
