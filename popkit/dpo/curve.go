package dpo

import (
	"fmt"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"
)

// LossCurve evaluates method m's per-pair loss, and its slope with respect to the implicit
// margin h, at every margin of hs with one offset delta, by executing the graph of
// [Config.Loss] on backend: the loss family as a function of h, for plots and checks. For the
// sigmoid family (every method but IPO and Conservative)
//
//	loss(h)  = -log sigmoid(h - delta)
//	slope(h) = d loss / d h = -sigmoid(delta - h),
//
// so a margin delta shifts the curve right by delta: a pair keeps a gradient until h exceeds
// delta by a few units. The pair is posed with the policy's chosen log-ratio h / beta and
// every other log-probability 0; the slope is the graph's own gradient, divided by beta.
func (c Config) LossCurve(backend compute.Backend, m Method, hs []float64, delta float64) (
	loss, slope []float64, err error) {
	c = c.Normalized()
	if err := c.Validate(); err != nil {
		return nil, nil, err
	}
	if len(hs) == 0 {
		return nil, nil, fmt.Errorf("dpo: LossCurve needs at least one margin")
	}
	rhoW := make([]float64, len(hs))
	offsets := make([]float64, len(hs))
	for i, h := range hs {
		rhoW[i], offsets[i] = h/c.Beta, delta
	}
	zeros := make([]float64, len(hs))
	outs, err := ExecOnceN(backend, func(pc, zero, off *Node) (*Node, *Node) {
		lp := LogProbs{PolicyChosen: pc, PolicyRejected: zero, ReferenceChosen: zero,
			ReferenceRejected: zero}
		l := c.Loss(m, lp, off)
		g := Gradient(ReduceAllSum(l), pc)[0]
		return l, DivScalar(g, c.Beta)
	}, rhoW, zeros, offsets)
	if err != nil {
		return nil, nil, fmt.Errorf("dpo: loss curve of %s: %w", m, err)
	}
	if loss, err = tensors.CopyFlatData[float64](outs[0]); err != nil {
		return nil, nil, err
	}
	if slope, err = tensors.CopyFlatData[float64](outs[1]); err != nil {
		return nil, nil, err
	}
	return loss, slope, nil
}
