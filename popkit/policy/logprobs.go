package policy

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/ml/model"
)

// TokenLogProbs returns the log-probability of each next token under the logits:
//
//	out[b, t] = log softmax(logits[b, t, :])[tokens[b, t+1]],   t = 0 .. T-2
//
// Shapes: logits [B, T, V] float, tokens [B, T] integer in [0, V); out [B, T-1], per token (not
// reduced). The log-softmax is GoMLX's LogSoftmax, which subtracts the row maximum before
// exponentiating, so large logits do not overflow. The target entries are picked with one
// Gather on (b, t, token) index triples, without building one-hot vectors.
//
// TokenLogProbs panics on shapes other than these, or T < 2.
func TokenLogProbs(logits, tokens *Node) *Node {
	checkLogitsTokens("TokenLogProbs", logits, tokens)
	dims := logits.Shape().Dimensions
	batch, seqLen := dims[0], dims[1]

	logp := LogSoftmax(Slice(logits, AxisRange(), AxisRangeFromStart(seqLen-1), AxisRange()))
	next := ConvertDType(Slice(tokens, AxisRange(), AxisRangeToEnd(1)), dtypes.Int32)

	// Index triples (b, t, tokens[b, t+1]), shaped [B, T-1, 3].
	g := logits.Graph()
	iotaShape := shapes.Make(dtypes.Int32, batch, seqLen-1, 1)
	indices := Concatenate([]*Node{
		Iota(g, iotaShape, 0),
		Iota(g, iotaShape, 1),
		InsertAxes(next, -1),
	}, -1)
	return Gather(logp, indices)
}

// SequenceLogProbs returns the masked sum of token log-probabilities of each row:
//
//	out[b] = sum_{t >= 1} responseMask[b, t] * log p(tokens[b, t] | tokens[b, <t])
//
// Shapes: logits [B, T, V] float, tokens [B, T] integer, responseMask [B, T] (any numeric dtype;
// usually the 0/1 mask of [Encode] via [Pack]); out [B], per sequence. With the mask of [Encode]
// this is log pi(y|x) of the response, EOS included: prompt and padding tokens contribute
// nothing. responseMask[:, 0] is ignored (position 0 has no prediction). Positions where the
// mask is 0 are dropped with a select rather than multiplied by 0, so even non-finite logits
// there cannot leak into the result.
//
// Which inputs matter: the term for position t reads tokens[b, t] and the logits at t-1. So the
// logits at the last prompt position (which predict the first response token) matter, while
// logits at every other prompt position, at the last real position and at padding do not.
//
// SequenceLogProbs panics on shapes other than these.
func SequenceLogProbs(logits, tokens, responseMask *Node) *Node {
	checkLogitsTokens("SequenceLogProbs", logits, tokens)
	if !responseMask.Shape().Equal(shapes.Make(responseMask.DType(), tokens.Shape().Dimensions...)) {
		panic(fmt.Errorf("policy: SequenceLogProbs: responseMask %s must have the dimensions "+
			"of tokens %s", responseMask.Shape(), tokens.Shape()))
	}
	tokenLogp := TokenLogProbs(logits, tokens)
	mask := ConvertDType(Slice(responseMask, AxisRange(), AxisRangeToEnd(1)), tokenLogp.DType())
	scored := NotEqual(mask, ZerosLike(mask))
	terms := Where(scored, Mul(mask, tokenLogp), ZerosLike(tokenLogp))
	return ReduceSum(terms, 1)
}

// SequenceLogProbsFn runs the decoder and returns the per-sequence response log-probs, [B]:
// SequenceLogProbs(c.Logits(scope, tokens), tokens, responseMask). Shapes as in
// [SequenceLogProbs]; it panics where [Config.Logits] or [SequenceLogProbs] do.
func (c Config) SequenceLogProbsFn(scope *model.Scope, tokens, responseMask *Node) *Node {
	return SequenceLogProbs(c.Logits(scope, tokens), tokens, responseMask)
}

// SplitPairs splits a per-row result over the 2B rows of [PackPairs] (shape [2B, ...]) into its
// chosen half (rows 0..B-1) and rejected half (rows B..2B-1). It panics if the first axis is
// missing or odd.
func SplitPairs(x *Node) (chosen, rejected *Node) {
	if x.Rank() < 1 || x.Shape().Dim(0)%2 != 0 {
		panic(fmt.Errorf("policy: SplitPairs: need a leading axis of even size 2B, got %s",
			x.Shape()))
	}
	half := x.Shape().Dim(0) / 2
	return SliceAxis(x, 0, AxisRangeFromStart(half)), SliceAxis(x, 0, AxisRangeToEnd(half))
}

// checkLogitsTokens panics unless logits is a float [B, T, V] and tokens an integer [B, T] tensor
// with T >= 2.
func checkLogitsTokens(fn string, logits, tokens *Node) {
	if logits.Rank() != 3 || !logits.DType().IsFloat() {
		panic(fmt.Errorf("policy: %s: logits must be a float [B, T, V] tensor, got %s",
			fn, logits.Shape()))
	}
	if tokens.Rank() != 2 || !tokens.DType().IsInt() {
		panic(fmt.Errorf("policy: %s: tokens must be an integer [B, T] tensor, got %s",
			fn, tokens.Shape()))
	}
	ld, td := logits.Shape().Dimensions, tokens.Shape().Dimensions
	if ld[0] != td[0] || ld[1] != td[1] {
		panic(fmt.Errorf("policy: %s: logits %s and tokens %s disagree on [B, T]",
			fn, logits.Shape(), tokens.Shape()))
	}
	if ld[1] < 2 {
		panic(fmt.Errorf("policy: %s: need T >= 2 to score a next token, got logits %s",
			fn, logits.Shape()))
	}
}
