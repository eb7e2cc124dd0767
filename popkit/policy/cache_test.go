package policy

import (
	"testing"
	"time"

	"github.com/gomlx/compute/dtypes"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/ml/model"
)

func TestCachedDecodingMatchesLogits(t *testing.T) {
	// Two rows with prompts of different lengths (3 and 5 tokens, right-padded to 6 in the
	// prefill) continue with 4 tokens each, one per DecodeStep at each row's own position.
	// Each step's logits must equal the logits that Logits computes on the whole sequence at
	// that position: the cache holds the same keys and values, the decode step's query sees
	// positions <= its own, and padding entries are overwritten before they are read.
	full := [][]int32{
		{BOS, 'a', 'b', 'c', 'd', 'e', 'f'},
		{BOS, 'x', 'y', 'z', 'w', '1', '2', '3', '4'},
	}
	promptLen := []int{3, 5}
	const prefillLen, cacheLen, steps = 6, 16, 4
	prompts := [][]int32{make([]int32, prefillLen), make([]int32, prefillLen)}
	for b := range prompts {
		for t := range prefillLen {
			prompts[b][t] = PAD
			if t < promptLen[b] {
				prompts[b][t] = full[b][t]
			}
		}
	}
	store := seededStore()

	// Reference: Logits on each whole row (rows alone, so no padding at all).
	want := make([][][]float32, len(full))
	for b, row := range full {
		out := model.MustExecOnce(testBackend(), store,
			func(scope *model.Scope, tokens *Node) *Node { return tiny.Logits(scope, tokens) },
			[][]int32{row})
		want[b] = out.Value().([][][]float32)[0]
	}

	prefill := model.MustNewExec(testBackend(), store,
		func(scope *model.Scope, tokens *Node) []*Node {
			logits, cache := tiny.Prefill(scope, tokens, cacheLen)
			return append([]*Node{logits}, cache...)
		})
	decode := model.MustNewExec(testBackend(), store, func(scope *model.Scope, in []*Node) []*Node {
		logits, cache := tiny.DecodeStep(scope, in[0], in[1], in[2:])
		return append([]*Node{logits}, cache...)
	})
	out := prefill.MustExec(prompts)
	logits := out[0].Value().([][][]float32)
	cache := make([]any, len(out)-1)
	for i, x := range out[1:] {
		cache[i] = x
	}
	check := func(b, pos int, got []float32) {
		t.Helper()
		for v, x := range got {
			if !near(float64(x), float64(want[b][pos][v]), 1e-4) {
				t.Fatalf("row %d, position %d, token %d: cached logit %v, whole-sequence %v",
					b, pos, v, x, want[b][pos][v])
			}
		}
	}
	for b := range full {
		check(b, promptLen[b]-1, logits[b][promptLen[b]-1])
	}
	for s := range steps {
		tokens := make([]int32, len(full))
		pos := make([]int32, len(full))
		for b := range full {
			pos[b] = int32(promptLen[b] + s)
			tokens[b] = full[b][pos[b]]
		}
		out := decode.MustExec(append([]any{tokens, pos}, cache...)...)
		for b, row := range out[0].Value().([][]float32) {
			check(b, int(pos[b]), row)
		}
		for i, x := range out[1:] {
			cache[i] = x
		}
	}
}

func TestCachePanics(t *testing.T) {
	run := func(f func(scope *model.Scope, tokens *Node)) func() {
		return func() {
			model.MustExecOnce(testBackend(), seededStore(),
				func(scope *model.Scope, tokens *Node) *Node {
					f(scope, tokens)
					return tokens
				}, [][]int32{{BOS, 'a', 'b'}})
		}
	}
	wantPanicWithin(t, 30*time.Second, run(func(scope *model.Scope, tokens *Node) {
		tiny.Prefill(scope, tokens, 2)
	}), "policy: Prefill: cacheLen = 2, want in [T = 3, MaxLen = 128]")
	wantPanicWithin(t, 30*time.Second, run(func(scope *model.Scope, tokens *Node) {
		row := Reshape(SliceAxis(tokens, 1, AxisElem(0)), 1)
		tiny.DecodeStep(scope, row, ConvertDType(row, dtypes.Int32), nil)
	}), "policy: DecodeStep: cache has 0 nodes, want 2 * NumLayers = 4")
}
