package train

import (
	"fmt"
	"strings"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/poprlhf/sandbox/popkit/policy"
	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// PolicyScope is the scope under which the decoder's variables live in a Store.
const PolicyScope = "policy"

// Model is a trained policy: the decoder's configuration, the text limits it was trained with,
// and its variables.
type Model struct {
	Policy policy.Config
	// Network, when set, is the decoder instead of the byte-level one of Policy (see
	// [Config.Network]).
	Network Network
	Limits  policy.Limits
	Store   *model.Store
	// RowGroups is the number of groups the decoder's graphs split a batch's rows into (see
	// [Config.RowGroups]); 0 or 1 means one graph.
	RowGroups int
}

// clonePolicy returns a copy of m with only the decoder's variables: optimiser state and step
// counters are left behind, so training the copy starts a fresh optimiser.
func (m *Model) clonePolicy() (*Model, error) {
	store, err := m.Store.Clone()
	if err != nil {
		return nil, fmt.Errorf("train: copying the reference policy: %w", err)
	}
	// The copy holds every variable it needs; a checkpoint loader of the original (see
	// Checkpoint) must not supply values to the copy's training.
	store.SetLoader(nil)
	for v := range m.Store.IterVariables() {
		if !strings.HasPrefix(v.Scope(), "/"+PolicyScope) {
			if err := store.DeleteVariable(v.Path()); err != nil {
				return nil, fmt.Errorf("train: dropping %s from the copy: %w", v.Path(), err)
			}
		}
	}
	return &Model{Policy: m.Policy, Network: m.Network, Limits: m.Limits, Store: store,
		RowGroups: m.RowGroups}, nil
}

// SequenceLogProbs builds the policy's per-row response log-probs, [R], for packed rows: the
// rows run through the decoder in m.RowGroups groups (see [Config.RowGroups]), each group its
// own copy of the graph on the variables under scope/PolicyScope, and the results are
// concatenated in row order.
func (m *Model) SequenceLogProbs(scope *model.Scope, tokens, mask *Node) *Node {
	net := m.network()
	bounds := groupBounds(tokens.Shape().Dim(0), m.RowGroups)
	parts := make([]*Node, len(bounds)-1)
	for i := range parts {
		t, mk := tokens, mask
		if len(parts) > 1 {
			rows := AxisRange(bounds[i], bounds[i+1])
			t, mk = Slice(tokens, rows), Slice(mask, rows)
		}
		policyScope := scope.In // the first group creates or reads the variables ...
		if i > 0 {
			policyScope = scope.Shared // ... and the others share them
		}
		parts[i] = policy.SequenceLogProbs(net.Logits(policyScope(PolicyScope), t), t, mk)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return Concatenate(parts, 0)
}

// groupBounds splits rows into min(max(groups, 1), rows) contiguous groups whose sizes differ
// by at most one, the larger first, and returns their boundaries: group i holds rows
// bounds[i] .. bounds[i+1]-1.
func groupBounds(rows, groups int) []int {
	groups = max(1, min(groups, rows))
	bounds := make([]int, groups+1)
	for i := range groups {
		size := rows / groups
		if i < rows%groups {
			size++
		}
		bounds[i+1] = bounds[i] + size
	}
	return bounds
}

// LogProbs returns log pi(y_w|x) and log pi(y_l|x) under m for every pair, summed over response
// tokens (see [policy.SequenceLogProbs]). Pairs are scored batchSize at a time (0 means 16), as
// batches of 2*batchSize sequences.
func (m *Model) LogProbs(backend compute.Backend, pairs []prefdata.Pair, batchSize int) (
	chosen, rejected []float64, err error) {
	if batchSize <= 0 {
		batchSize = 16
	}
	enc, err := encodePairs(m.network(), pairs, m.Limits)
	if err != nil {
		return nil, nil, err
	}
	n := len(pairs)
	lp, err := m.scoreRows(backend, append(enc.chosen[:n:n], enc.rejected...), 2*batchSize)
	if err != nil {
		return nil, nil, err
	}
	return lp[:n:n], lp[n:], nil
}

// scoreRows returns log pi(y|x) under m of each encoded sequence, scoring batchRows rows per
// forward pass. A short last batch is filled with copies of its first row, so that every batch
// has batchRows rows and reuses one compiled graph per padded length; the copies are ignored.
func (m *Model) scoreRows(backend compute.Backend, rows []policy.Encoded, batchRows int) (
	[]float64, error) {
	exec, err := model.NewExec(backend, m.Store, func(scope *model.Scope, tokens, mask *Node) *Node {
		return m.SequenceLogProbs(scope, tokens, mask)
	})
	if err != nil {
		return nil, fmt.Errorf("train: building the log-prob graph: %w", err)
	}
	defer exec.Finalize()

	maxLen := m.Limits.Normalized().MaxLen
	out := make([]float64, len(rows))
	batch := make([]policy.Encoded, batchRows)
	for start := 0; start < len(rows); start += batchRows {
		end := min(start+batchRows, len(rows))
		longest := 0
		for k := range batch {
			batch[k] = rows[start]
			if start+k < end {
				batch[k] = rows[start+k]
			}
			longest = max(longest, batch[k].Len())
		}
		tokens, mask := policy.PackWith(batch, bucketLength(longest, maxLen), m.network().PadID())
		res, err := exec.Call(tokens, mask)
		if err != nil {
			return nil, fmt.Errorf("train: scoring sequences %d-%d: %w", start, end-1, err)
		}
		lp := tensors.MustCopyFlatData[float32](res[0])
		res[0].FinalizeAll()
		for i := start; i < end; i++ {
			out[i] = float64(lp[i-start])
		}
	}
	return out, nil
}
