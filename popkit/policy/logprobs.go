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
// reduced). The gradient is written by hand (see [targetLogProbs]) and picks the target
// entries with one Gather and one Scatter, without building one-hot vectors.
//
// TokenLogProbs panics on shapes other than these, or T < 2.
func TokenLogProbs(logits, tokens *Node) *Node {
	checkLogitsTokens("TokenLogProbs", logits, tokens)
	dims := logits.Shape().Dimensions
	batch, seqLen, vocab := dims[0], dims[1], dims[2]

	// Targets tokens[b, t+1], with a stand-in 0 for the last position, which predicts nothing:
	// its log-prob is computed and dropped, which costs less than slicing the logits.
	g := logits.Graph()
	next := ConvertDType(Slice(tokens, AxisRange(), AxisRangeToEnd(1)), dtypes.Int32)
	next = Concatenate([]*Node{next, Zeros(g, shapes.Make(dtypes.Int32, batch, 1))}, 1)

	logp := targetLogProbs(Reshape(logits, batch*seqLen, vocab), Reshape(next, batch*seqLen))
	return Slice(Reshape(logp, batch, seqLen), AxisRange(), AxisRangeFromStart(seqLen-1))
}

// targetLogProbs returns log softmax(z[n, :])[target[n]] for logits z [N, V] and targets
// [N] (int32 in [0, V)), as
//
//	out[n] = (z[n, target[n]] - z[n, k]) + log p[n, k],   k = argmax_j z[n, j], p = softmax(z)
//
// with the gradient dout/dz[n, :] = onehot(target[n]) - p[n, :], so dz = v (onehot - p) for
// v = dL/dout. Why this form: p[n, k] = exp(0) / sum_j exp(z[n, j] - z[n, k]) is the
// reciprocal of the log-sum-exp's sum, in [1/V, 1], so its log is accurate and finite however
// large or spread the logits are (no exp overflows, and a target far below the maximum gives
// its exact difference z - z[k] instead of log(0)). p comes from the backend's fused softmax,
// whose float32 exp is about as accurate as float32 rounding itself, and serves both the
// log-sum-exp and the gradient. The maximum is read at the arg-max rather than reduced: the
// Go backend's ArgMax is a plain loop, its ReduceMax a slower general iterator.
func targetLogProbs(z, target *Node) *Node {
	g := z.Graph()
	rows, vocab := z.Shape().Dim(0), z.Shape().Dim(1)
	row := Iota(g, shapes.Make(dtypes.Int32, rows, 1), 0)
	at := func(col *Node) *Node { return Concatenate([]*Node{row, InsertAxes(col, -1)}, -1) }
	targets := at(target) // [N, 2] index pairs (n, target[n])
	var p *Node
	return withVJP([]*Node{z},
		func(ids []*Node) *Node {
			p = Softmax(ids[0], -1)
			best := at(ArgMax(ids[0], -1, dtypes.Int32))
			shift := Sub(Gather(ids[0], targets), Gather(ids[0], best))
			return Add(shift, Log(Gather(p, best)))
		},
		func(_ []*Node, v *Node) []*Node {
			// -v p as p times the outer product of -v with ones, the Go backend's fastest
			// broadcast; then v is added at the targets.
			ones := Ones(g, shapes.Make(v.DType(), 1, vocab))
			negV := DotGeneral(Reshape(Neg(v), rows, 1), []int{1}, nil, ones, []int{0}, nil)
			return []*Node{ScatterSum(Mul(p, negV), targets, v, true, true)}
		})
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
