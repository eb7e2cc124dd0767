package bench

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/train"
)

// dpoBeta is the beta of the benchmarked loss, dpo.Config's default.
var dpoBeta = dpo.Config{}.Normalized().Beta

// evalLoss evaluates the per-row log-probs and the DPO loss of bt with m's weights (created
// from its store's seed when missing) on backend b.
func evalLoss(b compute.Backend, m *train.Model, bt batch) (
	logp []float64, loss float64, err error) {
	exec, err := model.NewExec(b, m.Store, func(scope *model.Scope, in []*Node) []*Node {
		lp, l := m.PreferenceLoss(scope, dpo.Config{}, dpo.DPO, in[0], in[1], in[2], in[3],
			in[4])
		return []*Node{lp, l}
	})
	if err != nil {
		return nil, 0, fmt.Errorf("bench: building the loss graph: %w", err)
	}
	defer exec.Finalize()
	inputs := bt.preferenceInputs()
	args := make([]any, len(inputs))
	for i, t := range inputs {
		args[i] = t
	}
	out, err := exec.Call(args...)
	if err != nil {
		return nil, 0, fmt.Errorf("bench: evaluating the loss: %w", err)
	}
	for _, v := range tensors.MustCopyFlatData[float32](out[0]) {
		logp = append(logp, float64(v))
	}
	loss = float64(tensors.ToScalar[float32](out[1]))
	for _, t := range out {
		_ = t.FinalizeAll()
	}
	return logp, loss, nil
}

// BackendCheck compares the preference loss of one set of initial weights and one batch
// evaluated on two backends.
type BackendCheck struct {
	// Loss and RefLoss are the losses on the checked backend and on the reference backend.
	Loss, RefLoss float64
	// MaxLogProbDiff is the largest absolute difference of the per-row log-probs, and
	// MaxLogProb the largest |log-prob| of the reference (for scale).
	MaxLogProbDiff, MaxLogProb float64
}

// Pass reports agreement: losses within 1e-4 and log-probs within 1e-5 of their size (float32
// sums of a few hundred terms; backends differ in summation order and in their exp and log).
func (c BackendCheck) Pass() bool {
	return math.Abs(c.Loss-c.RefLoss) <= 1e-4 && c.MaxLogProbDiff <= 1e-5*c.MaxLogProb+1e-4
}

// CheckBackend evaluates the per-row log-probs and the preference loss of setup s on backend
// ref at its initial weights (from s.Seed), copies those weights, evaluates the same batch
// on backend b, and compares the two.
func CheckBackend(b, ref compute.Backend, s Setup) (BackendCheck, error) {
	s = s.Normalized()
	var res BackendCheck
	if err := s.Validate(); err != nil {
		return res, err
	}
	bt := s.makeBatch()
	m := s.model()
	store := m.Store
	refLogp, refLoss, err := evalLoss(ref, m, bt)
	if err != nil {
		return res, err
	}
	copied, err := store.Clone()
	if err != nil {
		return res, fmt.Errorf("bench: copying the weights: %w", err)
	}
	for v := range copied.IterVariables() {
		// Detach the copies from ref: a tensor on one backend cannot feed another.
		t, err := v.Value()
		if err != nil {
			return res, fmt.Errorf("bench: copying %s: %w", v.Path(), err)
		}
		t.ToLocal()
	}
	logp, loss, err := evalLoss(b, &train.Model{Policy: s.Policy, Store: copied,
		RowGroups: s.Normalized().RowGroups}, bt)
	if err != nil {
		return res, err
	}
	res.Loss, res.RefLoss = loss, refLoss
	for i, v := range refLogp {
		res.MaxLogProbDiff = max(res.MaxLogProbDiff, math.Abs(v-logp[i]))
		res.MaxLogProb = max(res.MaxLogProb, math.Abs(v))
	}
	return res, nil
}
