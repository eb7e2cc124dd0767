package train

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

func TestGroupBounds(t *testing.T) {
	tests := []struct {
		rows, groups int
		want         []int
	}{
		{16, 2, []int{0, 8, 16}},
		{8, 3, []int{0, 3, 6, 8}}, // sizes 3, 3, 2: the larger first
		{7, 2, []int{0, 4, 7}},
		{3, 5, []int{0, 1, 2, 3}}, // never an empty group
		{5, 0, []int{0, 5}},       // 0 and 1 both mean one graph
		{5, 1, []int{0, 5}},
		{1, 2, []int{0, 1}},
	}
	for _, tc := range tests {
		if got := groupBounds(tc.rows, tc.groups); !slices.Equal(got, tc.want) {
			t.Errorf("groupBounds(%d, %d) = %v, want %v", tc.rows, tc.groups, got, tc.want)
		}
	}
}

// TestRowGroupsComputeTheSameLoss checks that splitting the rows into groups changes how the
// graph is built, not what it computes: on the same weights and batch, the reference loss,
// the per-row log-probs and the gradient of every variable agree between one group and three
// (uneven: 3, 3 and 2 rows) up to float32 rounding. The weight gradients sum the groups' parts
// in another order, so they may differ in the last bits; the log-probs of each row do not
// depend on the other rows at all.
func TestRowGroupsComputeTheSameLoss(t *testing.T) {
	cfg := tinyConfig(3).Normalized()
	enc, err := encodePairs(cfg.network(), tinyPairs(t), cfg.Limits)
	if err != nil {
		t.Fatal(err)
	}
	tokens, mask := enc.packChosen([]int{0, 1, 2, 3, 4, 5, 6, 7}) // 8 rows
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, int64(cfg.Seed))
	b := testBackend(t)

	// lossAndGrads returns the loss, the row log-probs and the gradient of each of the
	// decoder's variables, in the store's order, with the rows in groups.
	var names []string
	lossAndGrads := func(groups int) []*tensors.Tensor {
		names = []string{"loss", "log-probs"}
		m := &Model{Policy: cfg.Policy, Limits: cfg.Limits, Store: store, RowGroups: groups}
		exec, err := model.NewExec(b, store, func(scope *model.Scope, tokens, mask *Node) []*Node {
			logp := m.SequenceLogProbs(scope, tokens, mask)
			loss := ReduceAllMean(logp)
			var vars []*Node
			for v := range store.IterVariables() {
				if strings.HasPrefix(v.Path(), "/"+PolicyScope+"/") {
					vars = append(vars, v.NodeValue(loss.Graph()))
					names = append(names, "gradient of "+v.Path())
				}
			}
			return append([]*Node{loss, logp}, Gradient(loss, vars...)...)
		})
		if err != nil {
			t.Fatal(err)
		}
		defer exec.Finalize()
		var out []*tensors.Tensor
		deadline(t, 2*time.Minute, func() { out, err = exec.Call(tokens, mask) })
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	one := lossAndGrads(1)
	namesOne := names
	three := lossAndGrads(3)
	if !slices.Equal(names, namesOne) || len(one) != len(names) || len(three) != len(names) ||
		len(names) < 4 {
		t.Fatalf("outputs %v with one group, %v with three", namesOne, names)
	}
	for i := range one {
		fa := tensors.MustCopyFlatData[float32](one[i])
		fc := tensors.MustCopyFlatData[float32](three[i])
		scale := 0.0
		for _, x := range fa {
			scale = max(scale, math.Abs(float64(x)))
		}
		if scale == 0 {
			t.Errorf("%s: all zero, the comparison would be vacuous", names[i])
			continue
		}
		for j := range fa {
			if d := math.Abs(float64(fa[j] - fc[j])); d > 1e-5*scale {
				t.Errorf("%s[%d]: one group %g, three groups %g (|diff| %.3g > 1e-5 x max %g)",
					names[i], j, fa[j], fc[j], d, scale)
				break
			}
		}
	}
}

func TestRowGroupsConfig(t *testing.T) {
	if got := (Config{}).Normalized().RowGroups; got != DefaultRowGroups {
		t.Errorf("default RowGroups = %d, want %d", got, DefaultRowGroups)
	}
	if got := (Config{DataParallel: 2}).Normalized().RowGroups; got != 1 {
		t.Errorf("RowGroups with DataParallel 2 = %d, want 1", got)
	}
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{RowGroups: -1}, "RowGroups must be >= 1"},
		{Config{RowGroups: 2, DataParallel: 2}, "both split a batch's rows"},
	} {
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want an error containing %q", tc.cfg, err, tc.want)
		}
	}
}
