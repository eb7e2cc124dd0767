package dpo

import (
	"errors"
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
)

// LogProbs holds per-sequence log-probabilities of a batch of pairs, each shaped [B]:
// log pi(y|x) summed over the response tokens of the chosen (y_w) and rejected (y_l) responses,
// under the policy being trained and under the frozen reference.
type LogProbs struct {
	PolicyChosen, PolicyRejected       *Node
	ReferenceChosen, ReferenceRejected *Node
}

// check panics unless all four log-probs and extra are float vectors of one shape. Its panics
// carry error values: GoMLX executors recover those, but can hang on other panic values.
func (lp LogProbs) check(extra ...*Node) {
	nodes := append([]*Node{lp.PolicyChosen, lp.PolicyRejected, lp.ReferenceChosen,
		lp.ReferenceRejected}, extra...)
	for _, n := range nodes {
		if n == nil {
			panic(errors.New("dpo: nil log-prob or offset node"))
		}
		if n.Rank() != 1 || !n.DType().IsFloat() || !n.Shape().Equal(nodes[0].Shape()) {
			panic(fmt.Errorf("dpo: log-probs and offsets must be float vectors [B] of one shape; "+
				"got %s and %s", nodes[0].Shape(), n.Shape()))
		}
	}
}

// ImplicitRewards returns the implicit rewards of the chosen and rejected responses,
//
//	r_w = beta * (log pi(y_w|x) - log pi_ref(y_w|x))
//	r_l = beta * (log pi(y_l|x) - log pi_ref(y_l|x))
//
// each shaped [B]; the implicit margin is h = r_w - r_l.
func ImplicitRewards(beta float64, lp LogProbs) (chosen, rejected *Node) {
	lp.check()
	b := ConstAs(lp.PolicyChosen, beta)
	chosen = Mul(b, Sub(lp.PolicyChosen, lp.ReferenceChosen))
	rejected = Mul(b, Sub(lp.PolicyRejected, lp.ReferenceRejected))
	return chosen, rejected
}

// Loss returns the per-pair margin-DPO loss, shaped [B] (not averaged):
//
//	l_i = -log sigmoid(h_i - delta_i) = softplus(delta_i - h_i)
//
// where h_i = beta * (rho_w - rho_l) is the implicit margin and delta_i = offsets[i] (see
// [Config.Offsets]). With all offsets 0 it is the DPO loss (Rafailov et al., 2023, Eq. 7).
// softplus is evaluated as log(exp(z) + 1) with GoMLX's stable LogAddExp, so the loss stays
// finite for any finite margin. d l_i / d h_i = -sigmoid(delta_i - h_i).
func Loss(beta float64, lp LogProbs, offsets *Node) *Node {
	lp.check(offsets)
	chosen, rejected := ImplicitRewards(beta, lp)
	z := Sub(offsets, Sub(chosen, rejected))
	return Softplus(z)
}

// Loss returns the per-pair loss of method m, shaped [B] (not averaged), with z_i = h_i -
// delta_i and h_i the implicit margin:
//
//	DPO, Fixed, GroundTruth, GroundTruthLog, PoP   softplus(-z_i)           (see [Loss])
//	Conservative                                   (1-eps) softplus(-z_i) + eps softplus(z_i)
//	IPO                                            (h_i / beta - 1 / (2 beta))^2
//
// IPO ignores offsets; Offsets gives it zeros. The IPO form is Azar et al. (2023), Eq. 17,
// with h / beta the difference of log-ratios; conservative DPO is Mitchell (2023).
func (c Config) Loss(m Method, lp LogProbs, offsets *Node) *Node {
	c = c.Normalized()
	switch m {
	case DPO, Fixed, GroundTruth, GroundTruthLog, PoP:
		return Loss(c.Beta, lp, offsets)
	case Conservative:
		lp.check(offsets)
		chosen, rejected := ImplicitRewards(c.Beta, lp)
		z := Sub(Sub(chosen, rejected), offsets)
		eps := ConstAs(z, c.Smoothing)
		return Add(Mul(OneMinus(eps), Softplus(Neg(z))), Mul(eps, Softplus(z)))
	case IPO:
		lp.check(offsets)
		diff := Sub(Sub(lp.PolicyChosen, lp.ReferenceChosen),
			Sub(lp.PolicyRejected, lp.ReferenceRejected))
		return Square(Sub(diff, ConstAs(diff, 1/(2*c.Beta))))
	default:
		panic(fmt.Errorf("dpo: unknown method %s", m))
	}
}

// Metric names, following TRL's DPO trainer so logs compare with the Python world.
const (
	MetricRewardsChosen   = "rewards/chosen"
	MetricRewardsRejected = "rewards/rejected"
	MetricRewardsMargins  = "rewards/margins"
	MetricRewardsAccuracy = "rewards/accuracies"
	MetricLogpsChosen     = "logps/chosen"
	MetricLogpsRejected   = "logps/rejected"
	MetricOffsets         = "offsets/mean"
	MetricLoss            = "loss"
)

// MetricNames lists the names [Metrics] returns, in order.
var MetricNames = []string{MetricLoss, MetricRewardsChosen, MetricRewardsRejected,
	MetricRewardsMargins, MetricRewardsAccuracy, MetricLogpsChosen, MetricLogpsRejected,
	MetricOffsets}

// Metrics returns batch means of the quantities TRL logs, as scalars in the order of
// [MetricNames], all under a stop-gradient. losses are the per-pair losses l_i of the method
// trained (from [Config.Loss]); the other quantities do not depend on the method:
//
//	loss                mean_i l_i
//	rewards/chosen      mean_i r_w,i
//	rewards/rejected    mean_i r_l,i
//	rewards/margins     mean_i h_i
//	rewards/accuracies  mean_i 1[r_w,i > r_l,i]   (a tie, h_i = 0, counts as wrong, as in TRL)
//	logps/chosen        mean_i log pi(y_w|x)
//	logps/rejected      mean_i log pi(y_l|x)
//	offsets/mean        mean_i delta_i
func Metrics(beta float64, lp LogProbs, offsets, losses *Node) []*Node {
	lp.check(offsets, losses)
	chosen, rejected := ImplicitRewards(beta, lp)
	margins := Sub(chosen, rejected)
	correct := ConvertDType(GreaterThan(chosen, rejected), chosen.DType())
	out := []*Node{
		ReduceAllMean(losses),
		ReduceAllMean(chosen),
		ReduceAllMean(rejected),
		ReduceAllMean(margins),
		ReduceAllMean(correct),
		ReduceAllMean(lp.PolicyChosen),
		ReduceAllMean(lp.PolicyRejected),
		ReduceAllMean(offsets),
	}
	for i := range out {
		out[i] = StopGradient(out[i])
	}
	return out
}
