package train

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// loop runs the steps of one training run.
type loop struct {
	stage    string
	steps    int
	progress func(Progress)
	// after, when not nil, is called with the steps done and planned after each step.
	after func(step, steps int) error
	// store holds the variables being trained, checked for non-finite values after each step.
	store *model.Store
	// ckpt restores the run from its newest checkpoint and saves the following ones.
	ckpt Checkpoint
	// ids names the pairs of a batch in error messages.
	ids func(idx []int) []string
}

// run restores the state of the newest checkpoint, if any, calls skip for each step it
// holds (to draw and discard those steps' batches), then calls step for each remaining step,
// reporting progress, calling after and saving checkpoints. It stops at the first error, when
// ctx is done, or at a step whose loss or updated weights are not finite: that step is
// reported (with its batch) as ErrNonFinite and not saved, so the last checkpoint holds the
// last good state.
func (l loop) run(ctx context.Context, skip func(), step func() (float64, []int, error)) error {
	if err := l.ckpt.validate(); err != nil {
		return err
	}
	cp, done, err := l.ckpt.resume(l.store, l.steps)
	if err != nil {
		return err
	}
	for range done {
		skip()
	}
	for s := done + 1; s <= l.steps; s++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("train: %s stopped before step %d: %w", l.stage, s, err)
		}
		loss, idx, err := step()
		if err != nil {
			return fmt.Errorf("train: %s step %d: %w", l.stage, s, err)
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return fmt.Errorf("%w: %s step %d has loss %g on the batch of pairs %s",
				ErrNonFinite, l.stage, s, loss, l.describe(idx))
		}
		bad, err := nonFiniteVariable(l.store)
		if err != nil {
			return fmt.Errorf("train: %s step %d: %w", l.stage, s, err)
		}
		if bad != "" {
			return fmt.Errorf("%w: %s step %d (loss %g) left variable %s not finite: a "+
				"gradient or update of the batch of pairs %s was NaN or infinite",
				ErrNonFinite, l.stage, s, loss, bad, l.describe(idx))
		}
		if l.progress != nil {
			l.progress(Progress{Stage: l.stage, Step: s, Steps: l.steps, Loss: loss})
		}
		if l.after != nil {
			if err := l.after(s, l.steps); err != nil {
				return fmt.Errorf("train: %s: %w", l.stage, err)
			}
		}
		if err := cp.after(s, l.steps); err != nil {
			return err
		}
	}
	return nil
}

// describe names the pairs idx of a batch, at most 8 of them.
func (l loop) describe(idx []int) string {
	names := l.ids(idx[:min(len(idx), 8)])
	s := "[" + strings.Join(names, " ") + "]"
	if len(idx) > 8 {
		s = fmt.Sprintf("%s (of %d)", s[:len(s)-1]+" ...]", len(idx))
	}
	return s
}

// pairIDs returns a function naming pairs by their IDs (quoted), with their index.
func pairIDs(pairs []prefdata.Pair) func(idx []int) []string {
	return func(idx []int) []string {
		out := make([]string, len(idx))
		for k, i := range idx {
			out[k] = fmt.Sprintf("%d:%q", i, pairs[i].ID)
		}
		return out
	}
}
