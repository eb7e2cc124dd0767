package train

import (
	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/ml/model"
	gomlxtrain "github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/policy"
)

// The two training steps are built here once, for [Reference], [Preference] and the
// benchmarks of popkit/bench, so that what is timed is what trains.

// ReferenceLoss builds the reference (SFT) loss of packed rows (see [policy.Pack]): the
// mean negative log-likelihood per response token,
//
//	L = - sum_r log pi(y_r | x_r) / max(1, sum_r |y_r|),
//
// where |y_r| counts the scored tokens of row r (mask[r, 1:]).
func (m *Model) ReferenceLoss(scope *model.Scope, tokens, mask *Node) *Node {
	logp := m.SequenceLogProbs(scope, tokens, mask)
	scored := ReduceAllSum(Slice(mask, AxisRange(), AxisRangeToEnd(1)))
	return Div(Neg(ReduceAllSum(logp)), Max(scored, OnesLike(scored)))
}

// PreferenceLoss builds the loss of method on packed pairs (see [policy.PackPairs]: the
// chosen responses in the first half of the rows, the rejected in the second) against the
// reference log-probs refChosen and refRejected and the offsets delta, [P] each:
//
//	L = mean_i loss_method(beta * (rho_w,i - rho_l,i), delta_i)   (see [dpo.Config.Loss]).
//
// It also returns the rows' response log-probs, [2P].
func (m *Model) PreferenceLoss(scope *model.Scope, d dpo.Config, method dpo.Method,
	tokens, mask, refChosen, refRejected, delta *Node) (logp, loss *Node) {
	logp = m.SequenceLogProbs(scope, tokens, mask)
	chosen, rejected := policy.SplitPairs(logp)
	lp := dpo.LogProbs{PolicyChosen: chosen, PolicyRejected: rejected,
		ReferenceChosen: refChosen, ReferenceRejected: refRejected}
	return logp, ReduceAllMean(d.Loss(method, lp, delta))
}

// NewReferenceTrainer returns the trainer of m's reference step: [Model.ReferenceLoss] on the
// inputs (tokens, mask), minimised by Adam at learning rate lr.
func NewReferenceTrainer(backend compute.Backend, m *Model, lr float64) *gomlxtrain.Trainer {
	modelFn := func(scope *model.Scope, _ any, in []*Node) []*Node {
		loss := m.ReferenceLoss(scope, in[0], in[1])
		gomlxtrain.AddMainLoss(loss)
		return []*Node{loss}
	}
	opt := optimizer.Adam().LearningRate(lr).Done()
	return gomlxtrain.NewTrainer(backend, m.Store, modelFn, nil, opt, nil, nil)
}

// NewPreferenceTrainer returns the trainer of m's preference step: [Model.PreferenceLoss] of
// method under d on the inputs (tokens, mask, refChosen, refRejected, delta), minimised by
// Adam at learning rate lr.
func NewPreferenceTrainer(backend compute.Backend, m *Model, d dpo.Config, method dpo.Method,
	lr float64) *gomlxtrain.Trainer {
	modelFn := func(scope *model.Scope, _ any, in []*Node) []*Node {
		_, loss := m.PreferenceLoss(scope, d, method, in[0], in[1], in[2], in[3], in[4])
		gomlxtrain.AddMainLoss(loss)
		return []*Node{loss}
	}
	opt := optimizer.Adam().LearningRate(lr).Done()
	return gomlxtrain.NewTrainer(backend, m.Store, modelFn, nil, opt, nil, nil)
}
