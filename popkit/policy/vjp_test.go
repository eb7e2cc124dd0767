package policy

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/layers/attention/pos"
	"github.com/gomlx/gomlx/ml/layers/norm"
	"github.com/gomlx/gomlx/ml/model"
)

// randomTensor returns a float32 tensor of the given dimensions with entries uniform in
// [-1, 1), from a fixed seed.
func randomTensor(seed uint64, dims ...int) *tensors.Tensor {
	r := rand.New(rand.NewPCG(seed, 1))
	data := make([]float32, shapes.Make(dtypes.Float32, dims...).Size())
	for i := range data {
		data[i] = 2*r.Float32() - 1
	}
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

// maxAbsDiff returns max_i |a_i - b_i| of two float32 tensors of the same size.
func maxAbsDiff(a, b *tensors.Tensor) float64 {
	x, y := tensors.MustCopyFlatData[float32](a), tensors.MustCopyFlatData[float32](b)
	d := 0.0
	for i := range x {
		d = max(d, math.Abs(float64(x[i]-y[i])))
	}
	return d
}

// TestAttendGradient compares attend's values and hand-written gradients with GoMLX's
// automatic gradient of the plain formula softmax(q k^T / sqrt(D) + bias) v, under the causal
// bias and a per-row bias [B, 1, 1, L] like cached decoding's. The loss sum(out * r), r random,
// gives every output entry its own weight. Tolerance 1e-5: float32 sums of a few hundred terms
// of size 1, in different orders.
func TestAttendGradient(t *testing.T) {
	const batch, heads, seqLen, headDim = 2, 3, 7, 4
	plain := func(q, k, v, bias *Node) *Node {
		q = MulScalar(q, 1/math.Sqrt(headDim))
		scores := Einsum("bhsd,bhld->bhsl", q, k)
		return Einsum("bhsl,bhld->bhsd", Softmax(Add(scores, bias), -1), v)
	}
	rowBias := make([]float32, batch*seqLen)
	for i := range rowBias {
		if i%seqLen > 4 {
			rowBias[i] = maskedScore
		}
	}
	for _, tc := range []struct {
		name string
		bias func(g *Graph) *Node
	}{
		{"causal", func(g *Graph) *Node { return causalBias(g, batch, heads, seqLen) }},
		{"per-row", func(g *Graph) *Node {
			return Const(g, tensors.FromFlatDataAndDimensions(rowBias, batch, 1, 1, seqLen))
		}},
	} {
		dims := []int{batch, heads, seqLen, headDim}
		inputs := []any{randomTensor(1, dims...), randomTensor(2, dims...),
			randomTensor(3, dims...), randomTensor(4, dims...)}
		run := func(fn func(q, k, v, bias *Node) *Node) []*tensors.Tensor {
			return MustExecOnceN(testBackend(), func(q, k, v, r *Node) []*Node {
				out := fn(q, k, v, tc.bias(q.Graph()))
				return append([]*Node{out}, Gradient(ReduceAllSum(Mul(out, r)), q, k, v)...)
			}, inputs...)
		}
		got, want := run(attend), run(plain)
		for i, name := range []string{"out", "dq", "dk", "dv"} {
			if d := maxAbsDiff(got[i], want[i]); d > 1e-5 {
				t.Errorf("%s: %s differs from autodiff's by %g", tc.name, name, d)
			}
		}
	}
}

// TestDenseGradient compares dense with layers.Dense (no bias) under the same weights: values
// and gradients with respect to the input and the weights, for output widths above and below
// the input width (the two ways dense computes dW), with the loss sum(y * r).
func TestDenseGradient(t *testing.T) {
	for _, outDims := range [][]int{{2, 5}, {3}} {
		out := 1
		for _, d := range outDims {
			out *= d
		}
		const rows, cols, in = 3, 4, 4
		x := randomTensor(5, rows, cols, in)
		r := randomTensor(6, append([]int{rows, cols}, outDims...)...)
		run := func(fn func(*model.Scope, *Node) *Node) []*tensors.Tensor {
			store := seededStore()
			return model.MustExecOnceN(testBackend(), store,
				func(scope *model.Scope, x, r *Node) []*Node {
					y := fn(scope, x)
					w := store.GetVariable("/dense/weights").NodeValue(x.Graph())
					return append([]*Node{y}, Gradient(ReduceAllSum(Mul(y, r)), x, w)...)
				}, x, r)
		}
		got := run(func(s *model.Scope, x *Node) *Node { return dense(s, x, outDims...) })
		want := run(func(s *model.Scope, x *Node) *Node {
			return layers.Dense(s, x, false, outDims...)
		})
		for i, name := range []string{"y", "dx", "dW"} {
			if d := maxAbsDiff(got[i], want[i]); d > 1e-5 {
				t.Errorf("out %v: %s differs from layers.Dense's by %g", outDims, name, d)
			}
		}
	}
}

// TestRopeGradient compares rotary's values and hand-written gradient with GoMLX's pos.RoPE
// rotation (from the same half-width angles) and its automatic gradient, for positions shared
// by the batch (P = 1) and per row (P = B), with the loss sum(rope(x) * r).
func TestRopeGradient(t *testing.T) {
	c := Config{EmbedDim: 16, NumHeads: 2, NumLayers: 1}.Normalized()
	const batch, seqLen = 2, 5
	dims := []int{batch, c.NumHeads, seqLen, c.HeadDim()}
	for _, rows := range []int{1, batch} {
		positions := make([]int32, rows*seqLen)
		for i := range positions {
			positions[i] = int32(3*(i/seqLen) + i%seqLen)
		}
		run := func(encode func(p, x *Node) *Node) []*tensors.Tensor {
			return MustExecOnceN(testBackend(), func(p, x, r *Node) []*Node {
				y := encode(p, x)
				return []*Node{y, Gradient(ReduceAllSum(Mul(y, r)), x)[0]}
			}, tensors.FromFlatDataAndDimensions(positions, rows, seqLen),
				randomTensor(7, dims...), randomTensor(8, dims...))
		}
		got := run(func(p, x *Node) *Node { return c.rope(p).Encode(x) })
		want := run(func(p, x *Node) *Node {
			r := c.rope(p)
			half := c.HeadDim() / 2
			cos := Slice(r.cos, AxisRange(), AxisRange(), AxisRange(), AxisRangeToEnd(half))
			sin := Slice(r.sin, AxisRange(), AxisRange(), AxisRange(), AxisRangeToEnd(half))
			return pos.NewRoPEWithCosSin(cos, sin).Encode(x, 2)
		})
		for i, name := range []string{"rope(x)", "dx"} {
			if d := maxAbsDiff(got[i], want[i]); d > 1e-6 {
				t.Errorf("P = %d: %s differs from pos.RoPE's by %g", rows, name, d)
			}
		}
	}
}

// TestRMSNormGradient compares rmsNorm with norm.RMSNorm under the same scale (random rather
// than the initial ones, so that the scale's part of the gradient is exercised): values and
// gradients with respect to the input and the scale, with the loss sum(y * r). Tolerance
// 1e-5: rows of 8 features of size 1.
func TestRMSNormGradient(t *testing.T) {
	c := Config{NormEpsilon: 1e-5}
	x, r, gain := randomTensor(9, 2, 3, 8), randomTensor(10, 2, 3, 8), randomTensor(11, 8)
	run := func(fn func(*model.Scope, *Node) *Node) []*tensors.Tensor {
		store := model.NewStore()
		scale, err := store.Scope("/rms_norm").CreateVariable("scale", gain)
		if err != nil {
			t.Fatal(err)
		}
		return model.MustExecOnceN(testBackend(), store,
			func(scope *model.Scope, x, r *Node) []*Node {
				y := fn(scope, x)
				loss := ReduceAllSum(Mul(y, r))
				return append([]*Node{y}, Gradient(loss, x, scale.NodeValue(x.Graph()))...)
			}, x, r)
	}
	got := run(c.rmsNorm)
	want := run(func(s *model.Scope, x *Node) *Node {
		return norm.RMSNorm(s, x).WithEpsilon(c.NormEpsilon).Done()
	})
	for i, name := range []string{"y", "dx", "dscale"} {
		if d := maxAbsDiff(got[i], want[i]); d > 1e-5 {
			t.Errorf("%s differs from norm.RMSNorm's by %g", name, d)
		}
	}
}

// TestTokenLogProbsGradient compares TokenLogProbs (fused softmax, hand-written gradient) with
// GoMLX's automatic gradient of the plain formula, LogSoftmax then a Gather of the targets,
// on logits spread over [-4, 4), with the loss sum(out * r). Tolerance 1e-5: log-probs of
// size about log V = 2 and gradients of size 1, in float32.
func TestTokenLogProbsGradient(t *testing.T) {
	const batch, seqLen, vocab = 2, 5, 7
	plain := func(logits, tokens *Node) *Node {
		logp := LogSoftmax(Slice(logits, AxisRange(), AxisRangeFromStart(seqLen-1), AxisRange()))
		g := logits.Graph()
		iotaShape := shapes.Make(dtypes.Int32, batch, seqLen-1, 1)
		indices := Concatenate([]*Node{Iota(g, iotaShape, 0), Iota(g, iotaShape, 1),
			InsertAxes(Slice(tokens, AxisRange(), AxisRangeToEnd(1)), -1)}, -1)
		return Gather(logp, indices)
	}
	tokens := make([]int32, batch*seqLen)
	for i := range tokens {
		tokens[i] = int32((5*i + 3) % vocab)
	}
	run := func(fn func(logits, tokens *Node) *Node) []*tensors.Tensor {
		return MustExecOnceN(testBackend(), func(logits, tokens, r *Node) []*Node {
			logits = MulScalar(logits, 4)
			out := fn(logits, tokens)
			return []*Node{out, Gradient(ReduceAllSum(Mul(out, r)), logits)[0]}
		}, randomTensor(12, batch, seqLen, vocab),
			tensors.FromFlatDataAndDimensions(tokens, batch, seqLen),
			randomTensor(13, batch, seqLen-1))
	}
	got, want := run(TokenLogProbs), run(plain)
	for i, name := range []string{"log-probs", "d/dlogits"} {
		if d := maxAbsDiff(got[i], want[i]); d > 1e-5 {
			t.Errorf("%s differ from autodiff's by %g", name, d)
		}
	}
}

// TestSwiGLUGradient compares swiGLU's values and hand-written gradients with GoMLX's
// automatic gradient of activation.Swish(gate) * up, on inputs in [-4, 4), with the loss
// sum(out * r). Tolerance 1e-5: values and gradients of size up to about 20, in float32.
func TestSwiGLUGradient(t *testing.T) {
	run := func(fn func(gate, up *Node) *Node) []*tensors.Tensor {
		return MustExecOnceN(testBackend(), func(gate, up, r *Node) []*Node {
			gate, up = MulScalar(gate, 4), MulScalar(up, 4)
			out := fn(gate, up)
			return append([]*Node{out}, Gradient(ReduceAllSum(Mul(out, r)), gate, up)...)
		}, randomTensor(14, 3, 4, 5), randomTensor(15, 3, 4, 5), randomTensor(16, 3, 4, 5))
	}
	got := run(swiGLU)
	want := run(func(gate, up *Node) *Node { return Mul(activation.Swish(gate), up) })
	for i, name := range []string{"out", "dgate", "dup"} {
		if d := maxAbsDiff(got[i], want[i]); d > 1e-5 {
			t.Errorf("%s differs from autodiff's by %g", name, d)
		}
	}
}
