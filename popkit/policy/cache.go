package policy

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/ml/model"
)

// Key-value cache of cached decoding. A cache is a list of 2 * NumLayers nodes, the keys
// (RoPE applied) and the values of each layer in order (k_0, v_0, k_1, v_1, ...), each
// [B, NumHeads, L, HeadDim] with L the cache length: entry [b, :, t, :] belongs to position
// t of row b. [Config.Prefill] creates one from a prompt batch and [Config.DecodeStep] reads
// and extends it one token per row; together they compute what [Config.Logits] computes on
// the whole sequence, with each new token costing one position instead of the whole prefix.

// Prefill runs the decoder on right-padded prompts tokens [B, P] at positions 0..P-1, as
// [Config.Logits] does, and also returns the key-value cache of length cacheLen >= P holding
// the keys and values of those P positions (zeros after them). logits is [B, P, VocabSize].
// Padding positions fill cache entries too; [Config.DecodeStep] overwrites a row's entry at
// each position it decodes, and never reads entries beyond the position it decodes.
//
// Prefill panics where Logits does, or if cacheLen < P or cacheLen > MaxLen.
func (c Config) Prefill(scope *model.Scope, tokens *Node, cacheLen int) (
	logits *Node, cache []*Node) {
	c = c.checked("Prefill", tokens)
	seqLen := tokens.Shape().Dim(1)
	if cacheLen < seqLen || cacheLen > c.MaxLen {
		panic(fmt.Errorf("policy: Prefill: cacheLen = %d, want in [T = %d, MaxLen = %d]",
			cacheLen, seqLen, c.MaxLen))
	}
	g := tokens.Graph()
	positions := Iota(g, shapes.Make(dtypes.Int32, 1, seqLen), 1)
	causal := causalBias(g, tokens.Shape().Dim(0), c.NumHeads, seqLen)
	cache = make([]*Node, 2*c.NumLayers)
	logits = c.decoder(scope, tokens, positions, func(layer int, q, k, v *Node) *Node {
		pad := func(x *Node) *Node {
			if cacheLen == seqLen {
				return x
			}
			dims := x.Shape().Dimensions
			zeros := Zeros(g, shapes.Make(x.DType(), dims[0], dims[1], cacheLen-seqLen, dims[3]))
			return Concatenate([]*Node{x, zeros}, 2)
		}
		cache[2*layer], cache[2*layer+1] = pad(k), pad(v)
		return attend(q, k, v, causal)
	})
	return logits, cache
}

// DecodeStep runs the decoder on one new token per row, tokens [B] at positions pos [B]
// (int32, pos[b] < cache length), with the keys and values of positions < pos[b] read from
// cache, and returns the next-token logits [B, VocabSize] and the cache with this token's
// keys and values written at pos[b]. Row b's query attends to cache positions <= pos[b] only,
// so entries of padding or of earlier calls beyond pos[b] are never read.
//
// DecodeStep panics on an invalid config, on tokens or pos that are not [B] integer tensors,
// and on a cache of the wrong length or shapes.
func (c Config) DecodeStep(scope *model.Scope, tokens, pos *Node, cache []*Node) (
	logits *Node, next []*Node) {
	c = c.Normalized()
	if err := c.Validate(); err != nil {
		panic(err)
	}
	if tokens.Rank() != 1 || !tokens.DType().IsInt() || !pos.Shape().Equal(
		shapes.Make(dtypes.Int32, tokens.Shape().Dimensions...)) {
		panic(fmt.Errorf("policy: DecodeStep: tokens %s and pos %s must be [B] integer and "+
			"[B] Int32", tokens.Shape(), pos.Shape()))
	}
	batch := tokens.Shape().Dim(0)
	if len(cache) != 2*c.NumLayers {
		panic(fmt.Errorf("policy: DecodeStep: cache has %d nodes, want 2 * NumLayers = %d",
			len(cache), 2*c.NumLayers))
	}
	want := cache[0].Shape()
	for i, x := range cache {
		d := x.Shape().Dimensions
		if !x.Shape().Equal(want) || x.Rank() != 4 || d[0] != batch || d[1] != c.NumHeads ||
			d[3] != c.HeadDim() {
			panic(fmt.Errorf("policy: DecodeStep: cache[%d] %s, want [B = %d, NumHeads = %d, "+
				"L, HeadDim = %d], the same for all", i, x.Shape(), batch, c.NumHeads,
				c.HeadDim()))
		}
	}
	g := tokens.Graph()
	cacheLen := want.Dim(2)
	column := Reshape(pos, batch, 1, 1, 1)
	// here[b, 0, t, 0]: t is row b's position; visible[b, 0, 0, t]: t <= that position.
	here := Equal(Iota(g, shapes.Make(dtypes.Int32, 1, 1, cacheLen, 1), 2), column)
	visible := LessOrEqual(Iota(g, shapes.Make(dtypes.Int32, 1, 1, 1, cacheLen), 3), column)
	bias := Where(visible, Scalar(g, dtypes.Float32, 0), Scalar(g, dtypes.Float32, maskedScore))

	next = make([]*Node, len(cache))
	full := want.Dimensions
	write := func(old, x *Node) *Node {
		return Where(BroadcastToDims(here, full...), BroadcastToDims(x, full...), old)
	}
	logits = c.decoder(scope, Reshape(tokens, batch, 1), Reshape(pos, batch, 1),
		func(layer int, q, k, v *Node) *Node {
			keys, values := write(cache[2*layer], k), write(cache[2*layer+1], v)
			next[2*layer], next[2*layer+1] = keys, values
			return attend(q, keys, values, bias)
		})
	return Reshape(logits, batch, c.VocabSize), next
}
