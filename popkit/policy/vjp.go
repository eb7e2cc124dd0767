package policy

import (
	"math"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/ml/layers/regularizer"
	"github.com/gomlx/gomlx/ml/model"
)

// The decoder's matrix products carry hand-written gradients. GoMLX's generic DotGeneral
// gradient always contracts the incoming gradient v as the left operand and then transposes the
// result back to the input's axis order, while the Go backend multiplies without copying only
// when the left operand's contracted axis is its last one. Written out by hand, each gradient
// below picks operand order and layout so that only the smallest tensor involved (never a
// [B, H, S, S] one) is transposed, and the softmax gradient is the closed form instead of the
// derivative of its decomposition. The functions computed are unchanged; the package tests
// check these gradients against GoMLX's automatic ones.

// withVJP returns f(xs) with a hand-written gradient:
//
//	dL/dxs[i] = vjp(ids, v)[i],   v = dL/d out, out = f(ids)
//
// where ids are identities of xs (same values; vjp should read ids rather than xs, so that an
// input consumed only here is not copied). vjp is called once per gradient graph, with v of
// out's shape, and must return one gradient per input, each shaped like its input.
//
// How: each input passes through an identity whose custom gradient ignores what autodiff
// delivers and returns the hand-written one, and out passes through an identity that records
// v on the way back. Autodiff still builds its own gradient of f between the two, but nothing
// reads it, so the backend never executes it.
func withVJP(xs []*Node, f func(ids []*Node) *Node, vjp func(ids []*Node, v *Node) []*Node) *Node {
	var v *Node
	var grads []*Node
	ids := make([]*Node, len(xs))
	for i, x := range xs {
		ids[i] = IdentityWithCustomGradient(x, func(_, _ *Node) *Node {
			if grads == nil {
				grads = vjp(ids, v)
			}
			return grads[i]
		})
	}
	out := f(ids)
	return IdentityWithCustomGradient(out, func(_, vOut *Node) *Node {
		v, grads = vOut, nil
		return vOut
	})
}

// dense is layers.Dense without bias (same variable, scope.In("dense")/"weights" of shape
// [in, prod(outDims)], and same regularizer) with a hand-written gradient (see [matmul]). x is
// [..., in]; the result is [..., outDims...].
func dense(scope *model.Scope, x *Node, outDims ...int) *Node {
	out := 1
	for _, d := range outDims {
		out *= d
	}
	return matmul(x, nil, denseWeights(scope, x, out), outDims...)
}

// denseWeights returns the weights of [dense] for input x [..., in] and out outputs: the
// variable scope.In("dense")/"weights" [in, out], with the scope's regularizer applied.
func denseWeights(scope *model.Scope, x *Node, out int) *Node {
	scope = scope.In("dense")
	wVar := scope.VariableWithShape("weights", shapes.Make(x.DType(), x.Shape().Dim(-1), out))
	if reg := regularizer.FromScope(scope); reg != nil {
		reg(x.Graph(), wVar)
	}
	return wVar.NodeValue(x.Graph())
}

// matmul returns x w for x [..., in] and w [in, prod(outDims)], shaped [..., outDims...],
// with a hand-written gradient:
//
//	y = x w          x [N, in] (leading axes of x flattened), w [in, out]
//	dx = dy w^T      contracts out, the last axis of both: no transpose
//	dw = x^T dy      contracts N; the narrower of x and dy is transposed
//
// xT, if not nil, is x^T [in, N], for products of the same x with several weights to share.
func matmul(x, xT, w *Node, outDims ...int) *Node {
	in, out := w.Shape().Dim(0), w.Shape().Dim(1)
	lead := x.Shape().Dimensions[:x.Rank()-1]
	rows := x.Shape().Size() / in
	y := withVJP([]*Node{Reshape(x, rows, in), w},
		func(ids []*Node) *Node { return DotGeneral(ids[0], []int{1}, nil, ids[1], []int{0}, nil) },
		func(ids []*Node, dy *Node) []*Node {
			x2, w := ids[0], ids[1]
			dx := DotGeneral(dy, []int{1}, nil, w, []int{1}, nil) // [N, in]
			var dw *Node
			if in <= out {
				if xT == nil {
					xT = Transpose(x2, 0, 1)
				}
				dw = DotGeneral(xT, []int{1}, nil, dy, []int{0}, nil)
			} else {
				dwT := DotGeneral(Transpose(dy, 0, 1), []int{1}, nil, x2, []int{0}, nil)
				dw = Transpose(dwT, 0, 1)
			}
			return []*Node{dx, dw}
		})
	if len(outDims) == 0 {
		outDims = []int{out}
	}
	return Reshape(y, append(append([]int{}, lead...), outDims...)...)
}

// swiGLU returns SiLU(gate) * up, SiLU(g) = g sigmoid(g) (activation.Swish), for gate and up
// of the same shape, with a hand-written gradient (s = sigmoid(gate), v = dL/dout):
//
//	dup   = v * SiLU(gate)
//	dgate = v * up * (s + SiLU(gate) (1 - s))     since SiLU'(g) = s + g s (1 - s)
//
// reusing the forward's sigmoid, so the gradient costs no further exp.
func swiGLU(gate, up *Node) *Node {
	var s, silu *Node
	return withVJP([]*Node{gate, up},
		func(ids []*Node) *Node {
			s = Logistic(ids[0])
			silu = Mul(ids[0], s)
			return Mul(silu, ids[1])
		},
		func(ids []*Node, v *Node) []*Node {
			dSilu := Add(s, Mul(silu, OneMinus(s)))
			return []*Node{Mul(Mul(v, ids[1]), dSilu), Mul(v, silu)}
		})
}

// attend returns softmax(q k^T / sqrt(D) + bias) v for q [B, H, S, D], k and v [B, H, L, D]
// and an additive bias broadcastable to [B, H, S, L] (no gradient flows into bias; one of the
// full shape is added without implicit broadcasting). Both forward products have (B, H) as
// leading batch axes and contract a trailing axis of q and k, the layouts the Go backend
// multiplies directly. The gradient, with A the attention weights, O = A v the output,
// s = 1/sqrt(D) and dO the gradient of the output:
//
//	delta = rowsum(dO * O)                   = rowsum(dA * A), dA = dO v^T, summed over D not L
//	dZ = A * (dA - delta) = A * ([dO, -delta] [v, 1]^T)   softmax gradient, Z the biased scores
//	dq = s dZ k                              contracts L: last of dZ, leading of k
//	dk = (s q^T dZ)^T                        contracts S: q^T [B, H, D, S] is small
//	dv = (dO^T A)^T                          contracts S: dO^T [B, H, D, S] is small
//
// The row sums come from the [B, H, S, D] tensors (as in FlashAttention), and subtracting them
// rides along in the dA product as one extra contracted feature, so that no [B, H, S, L]
// tensor is reduced or broadcast.
func attend(q, k, v, bias *Node) *Node {
	scale := 1 / math.Sqrt(float64(q.Shape().Dim(-1)))
	var qs, weights, out *Node
	forward := func(ids []*Node) *Node {
		qs = MulScalar(ids[0], scale)
		scores := DotGeneral(qs, []int{3}, []int{0, 1}, ids[1], []int{3}, []int{0, 1}) // [B,H,S,L]
		weights = Softmax(Add(scores, bias), -1)
		out = DotGeneral(weights, []int{3}, []int{0, 1}, ids[2], []int{2}, []int{0, 1})
		return out
	}
	backward := func(ids []*Node, dOut *Node) []*Node {
		k, v := ids[1], ids[2]
		// delta [B, H, S, 1] as a batched dot product, which the backend runs faster than a
		// product followed by a reduction.
		delta := InsertAxes(DotGeneral(dOut, []int{3}, []int{0, 1, 2}, out, []int{3},
			[]int{0, 1, 2}), -1)
		dOutAug := Concatenate([]*Node{dOut, Neg(delta)}, -1)
		vDims := v.Shape().Dimensions
		ones := Ones(v.Graph(), shapes.Make(v.DType(), vDims[0], vDims[1], vDims[2], 1))
		vAug := Concatenate([]*Node{v, ones}, -1)
		dAShifted := DotGeneral(dOutAug, []int{3}, []int{0, 1}, vAug, []int{3}, []int{0, 1})
		dZ := Mul(weights, dAShifted)
		dq := MulScalar(DotGeneral(dZ, []int{3}, []int{0, 1}, k, []int{2}, []int{0, 1}), scale)
		dkT := DotGeneral(Transpose(qs, 2, 3), []int{3}, []int{0, 1}, dZ, []int{2}, []int{0, 1})
		dvT := DotGeneral(Transpose(dOut, 2, 3), []int{3}, []int{0, 1}, weights, []int{2},
			[]int{0, 1})
		return []*Node{dq, Transpose(dkT, 2, 3), Transpose(dvT, 2, 3)}
	}
	return withVJP([]*Node{q, k, v}, forward, backward)
}
