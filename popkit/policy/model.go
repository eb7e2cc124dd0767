package policy

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// Logits runs the decoder on a batch of token ids and returns next-token logits:
//
//	tokens [B, T] integer ids in [0, VocabSize), T <= MaxLen
//	logits [B, T, VocabSize] float32; logits[b, t] scores token t+1 given tokens[b, <=t]
//
// The architecture is Llama's at toy size, built from GoMLX layers:
//
//	x = Embed(tokens)                             layers.Embedding
//	for each layer:
//	    x = x + Attention(RMSNorm(x))             causal multi-head attention, RoPE on q and k
//	                                              (pos.RoPE), see below
//	    h = RMSNorm(x)                            norm.RMSNorm's variables (see rmsNorm)
//	    x = x + W_down (SiLU(W_gate h) * W_up h)  dense (layers.Dense's variables), Swish
//	logits = W_out RMSNorm(x)
//
// with no biases anywhere and RMSNorm scales initialised to 1 (other weights use the Store's
// default initializer, He-normal in GoMLX). Attention is causal and padding is on the right
// (see [Pack]), so a real token never attends to a padded one: logits at real positions do not
// depend on the padding, and no padding mask is needed for log-probabilities of real tokens
// (the package tests check this to 1e-5).
//
// Attention, per head h with D = EmbedDim/NumHeads features and RoPE applied to q and k:
//
//	[q k v] = h W_qkv                       one [E, 3E] projection (fused q, k and v)
//	A = softmax(q k^T / sqrt(D) + causal)   causal: 0 where key <= query, -1e30 elsewhere
//	out = concat_h(A v) W_o
//
// It is written for the layout the Go backend multiplies without transposes: q, k and v are
// [B, H, T, D], so that both products contract a trailing axis with (B, H) as leading batch
// axes. The gate and up projections of the MLP share one [E, 2F] weight variable. The
// projections, the attention core, SwiGLU and RMSNorm have hand-written gradients (see
// [dense], [attend], [swiGLU] and rmsNorm) that avoid transposing large tensors and the
// backend's slow broadcasts and reductions.
//
// Variables live under scope: token_embed, layer_<i>/{attn_norm, attn/qkv, attn/output,
// mlp_norm, mlp_gate_up, mlp_down}, final_norm and output. Calling Logits again with the same
// scope reuses the same variables.
//
// Logits panics if the config is invalid (see [Config.Validate]) or tokens is not an integer
// [B, T] tensor with 1 <= T <= MaxLen.
func (c Config) Logits(scope *model.Scope, tokens *Node) *Node {
	c = c.checked("Logits", tokens)
	seqLen := tokens.Shape().Dim(1)
	positions := Iota(tokens.Graph(), shapes.Make(dtypes.Int32, 1, seqLen), 1)
	causal := causalBias(tokens.Graph(), tokens.Shape().Dim(0), c.NumHeads, seqLen)
	return c.decoder(scope, tokens, positions, func(_ int, q, k, v *Node) *Node {
		return attend(q, k, v, causal)
	})
}

// checked returns the normalized config after checking it and the [B, T] tokens, panicking
// with an error naming fn otherwise.
func (c Config) checked(fn string, tokens *Node) Config {
	c = c.Normalized()
	if err := c.Validate(); err != nil {
		panic(err)
	}
	if tokens.Rank() != 2 || !tokens.DType().IsInt() {
		panic(fmt.Errorf("policy: %s: tokens must be an integer [B, T] tensor, got %s",
			fn, tokens.Shape()))
	}
	if seqLen := tokens.Shape().Dim(1); seqLen < 1 || seqLen > c.MaxLen {
		panic(fmt.Errorf("policy: %s: tokens %s has T = %d, want 1 <= T <= MaxLen = %d",
			fn, tokens.Shape(), seqLen, c.MaxLen))
	}
	return c
}

// attendFunc computes one layer's attention heads from q, k, v [B, H, S, D] (RoPE applied):
// it returns [B, H, S, D]. Cached decoding uses it to read and extend its key-value cache.
type attendFunc func(layer int, q, k, v *Node) *Node

// decoder is the body of [Config.Logits] for a normalized, valid c: tokens [B, S] at
// positions [B or 1, S] (int32, the RoPE positions), attention by attendFn.
func (c Config) decoder(scope *model.Scope, tokens, positions *Node, attendFn attendFunc) *Node {
	// layers.Embedding reads a last axis of size 1 as the index axis, which would turn T = 1
	// into [B, E]; an explicit index axis keeps the output [B, T, E] for every T.
	x := layers.Embedding(scope.At("token_embed"), InsertAxes(tokens, -1), dtypes.Float32,
		c.VocabSize, c.EmbedDim)
	rope := c.rope(positions)
	batch, seqLen := tokens.Shape().Dim(0), tokens.Shape().Dim(1)
	heads, headDim := c.NumHeads, c.HeadDim()
	for i := range c.NumLayers {
		ls := scope.At("layer_%d", i)

		h := c.rmsNorm(ls.At("attn_norm"), x)
		// q, k and v multiply thirds of the fused [E, 3E] weights (slicing the weights, not the
		// activations), each [B, S, H, D] transposed to [B, H, S, D].
		qkv := denseWeights(ls.At("attn").At("qkv"), h, 3*c.EmbedDim)
		hT := transposeRows(h)
		project := func(j int) *Node {
			w := Slice(qkv, AxisRange(), AxisRange(j*c.EmbedDim, (j+1)*c.EmbedDim))
			return TransposeAllAxes(matmul(h, hT, w, heads, headDim), 0, 2, 1, 3)
		}
		q, k, v := project(0), project(1), project(2)
		q, k = rope.Encode(q), rope.Encode(k)
		heads := attendFn(i, q, k, v)
		heads = Reshape(TransposeAllAxes(heads, 0, 2, 1, 3), batch, seqLen, c.EmbedDim)
		x = Add(x, dense(ls.At("attn").At("output"), heads, c.EmbedDim))

		h = c.rmsNorm(ls.At("mlp_norm"), x)
		// The gate and up halves of the [E, 2F] weights are multiplied separately, so that
		// slicing (and its gradient, padding) touches the weights, not the activations.
		gateUp := denseWeights(ls.At("mlp_gate_up"), h, 2*c.FFNDim)
		hT = transposeRows(h)
		gate := matmul(h, hT, Slice(gateUp, AxisRange(), AxisRange(0, c.FFNDim)))
		up := matmul(h, hT, Slice(gateUp, AxisRange(), AxisRange(c.FFNDim, 2*c.FFNDim)))
		mlp := dense(ls.At("mlp_down"), swiGLU(gate, up), c.EmbedDim)
		x = Add(x, mlp)
	}
	x = c.rmsNorm(scope.At("final_norm"), x)
	return dense(scope.At("output"), x, c.VocabSize)
}

// transposeRows returns x [..., E] as [E, N], N the product of the leading axes: the
// transposed input that the weight gradients of several products of x share (see [matmul]).
func transposeRows(x *Node) *Node {
	width := x.Shape().Dim(-1)
	return Transpose(Reshape(x, x.Shape().Size()/width, width), 0, 1)
}

// rope returns the rotary position embedding for positions [P, S] (P = 1 or B), for q and k
// of shape [B, H, S, D] (sequence axis 2): pos.RoPE's rotation, non-interleaved (feature i
// pairs with i + D/2), with angles computed once for all layers:
//
//	angle[p, s, i] = positions[p, s] * RoPEBase^(-2i/D),   i = 0 .. D/2-1
//	(x_i, x_{i+D/2}) -> (x_i cos - x_{i+D/2} sin, x_{i+D/2} cos + x_i sin)
func (c Config) rope(positions *Node) *rotary {
	g := positions.Graph()
	half := c.HeadDim() / 2
	exponents := MulScalar(Iota(g, shapes.Make(dtypes.Float64, half), 0), -2/float64(c.HeadDim()))
	freqs := ConvertDType(Exp(MulScalar(exponents, math.Log(c.RoPEBase))), dtypes.Float32)
	angles := Mul(InsertAxes(ConvertDType(positions, dtypes.Float32), -1),
		Reshape(freqs, 1, 1, half)) // [P, S, D/2]
	angles = InsertAxes(Concatenate([]*Node{angles, angles}, -1), 1) // [P, 1, S, D]
	return &rotary{cos: Cos(angles), sin: Sin(angles), rot: rotateHalf(g, c.HeadDim())}
}

// rotary applies RoPE written as one product per term, with the same rounding as pos.RoPE's
// split form (a + (-b) c is a - b c exactly, and addition commutes):
//
//	rope(x) = x * cos + (x R) * sin,   dx = dy * cos + (dy * sin) R^T
//
// where cos and sin repeat each angle's value in both halves of the D features and R is the
// signed permutation with x R = concat(-x[D/2:], x[:D/2]). cos and sin are broadcast to the
// shape of x once and shared by every layer, so the products run without implicit broadcasting.
type rotary struct {
	cos, sin, rot *Node       // [P, 1, S, D], [P, 1, S, D], [D, D]
	cosB, sinB    shapedNodes // cos and sin broadcast to the shapes asked for
}

// shapedNodes caches one broadcast per shape.
type shapedNodes map[string]*Node

// at returns x [P, 1, S, D] (P = 1 or B) broadcast to shape [B, H, S, D], built once per shape.
// The broadcast also changes the rank, so that the Go backend keeps it as a tensor of its own
// rather than folding it back into each product as an implicit (slower) broadcast.
func (m *shapedNodes) at(x *Node, shape shapes.Shape) *Node {
	if *m == nil {
		*m = shapedNodes{}
	}
	key := shape.String()
	if n, ok := (*m)[key]; ok {
		return n
	}
	dims := x.Shape().Dimensions
	var n *Node
	if dims[0] == 1 {
		n = ExpandAndBroadcast(Reshape(x, dims[2], dims[3]), shape.Dimensions, []int{0, 1})
	} else {
		n = ExpandAndBroadcast(Reshape(x, dims[0], dims[2], dims[3]), shape.Dimensions, []int{1})
	}
	(*m)[key] = n
	return n
}

// Encode returns rope(x) for x [B, H, S, D].
func (r *rotary) Encode(x *Node) *Node {
	cos, sin := r.cosB.at(r.cos, x.Shape()), r.sinB.at(r.sin, x.Shape())
	return withVJP([]*Node{x},
		func(ids []*Node) *Node {
			rotated := DotGeneral(ids[0], []int{3}, nil, r.rot, []int{0}, nil) // x R
			return Add(Mul(ids[0], cos), Mul(rotated, sin))
		},
		func(_ []*Node, dy *Node) []*Node {
			back := DotGeneral(Mul(dy, sin), []int{3}, nil, r.rot, []int{1}, nil) // (dy * sin) R^T
			return []*Node{Add(Mul(dy, cos), back)}
		})
}

// rotateHalf returns the [D, D] matrix R with x R = concat(-x[D/2:], x[:D/2]): R[j+D/2, j] = -1
// and R[j, j+D/2] = 1 for j < D/2, 0 elsewhere.
func rotateHalf(g *Graph, dim int) *Node {
	half := dim / 2
	r := make([]float32, dim*dim)
	for j := range half {
		r[(j+half)*dim+j] = -1
		r[j*dim+j+half] = 1
	}
	return Const(g, tensors.FromFlatDataAndDimensions(r, dim, dim))
}

// maskedScore is the additive bias of a masked attention score: exp(score + maskedScore -
// max) is exactly 0 in float32 for any score of a trained model, and unlike -Inf it cannot
// produce Inf - Inf.
const maskedScore = -1e30

// causalBias returns the additive causal mask broadcast to [B, H, S, S], the shape of the
// attention scores: 0 where key <= query, maskedScore elsewhere. It is built once per graph and
// shared by the layers, as the outer product of B*H ones with the [S, S] mask (exact: each
// entry is one product by 1), the fastest broadcast of the Go backend; the scores then add it
// without implicit broadcasting.
func causalBias(g *Graph, batch, heads, seqLen int) *Node {
	bias := Where(LowerTriangular(g, seqLen),
		Scalar(g, dtypes.Float32, 0), Scalar(g, dtypes.Float32, maskedScore))
	ones := Ones(g, shapes.Make(dtypes.Float32, batch*heads, 1))
	full := DotGeneral(ones, []int{1}, nil, Reshape(bias, 1, seqLen*seqLen), []int{0}, nil)
	return Reshape(full, batch, heads, seqLen, seqLen)
}

// rmsNorm is norm.RMSNorm over the last axis (same variable: scope.In("rms_norm")/"scale",
// shape [E], initialised to 1) with a hand-written gradient. For each row x of E features,
// with g the scale and v = dL/dy:
//
//	r = 1 / sqrt(sum_i x_i^2 / E + eps),   w = r g,   y = x * w     (= x / sqrt(...) * g)
//	dx = v * w - x * (r^2 mean(v * y))                (= r (v g - xhat mean(v g xhat)), xhat = r x)
//	dg = sum over rows of r (v * x)
//
// For the Go backend every broadcast and reduction here is a product: the row sums are batched
// dot products, the per-row factors r g and r^2 mean(v * y) are outer products with one
// contracted axis of size 1, and dg contracts the rows with r. None of them broadcasts or
// reduces element by element.
func (c Config) rmsNorm(scope *model.Scope, x *Node) *Node {
	scope = scope.In("rms_norm")
	g := x.Graph()
	dims := x.Shape().Dimensions
	width := dims[len(dims)-1]
	rows := x.Shape().Size() / width
	scaleVar := scope.WithInitializer(initializer.One).
		VariableWithShape("scale", shapes.Make(x.DType(), width))

	rowSums := func(a, b *Node) *Node { // [N, E], [N, E] -> [N]
		return DotGeneral(a, []int{1}, []int{0}, b, []int{1}, []int{0})
	}
	outer := func(a, b *Node) *Node { // [N], [E] -> [N, E]
		return DotGeneral(Reshape(a, rows, 1), []int{1}, nil, Reshape(b, 1, width), []int{0}, nil)
	}
	var r, w, y *Node
	y = withVJP([]*Node{Reshape(x, rows, width), scaleVar.NodeValue(g)},
		func(ids []*Node) *Node {
			x2 := ids[0]
			meanSquare := DivScalar(rowSums(x2, x2), float64(width))
			r = Inverse(Sqrt(AddScalar(meanSquare, c.NormEpsilon)))
			w = outer(r, ids[1])
			y = Mul(x2, w)
			return y
		},
		func(ids []*Node, v *Node) []*Node {
			x2 := ids[0]
			coef := Mul(Square(r), DivScalar(rowSums(v, y), float64(width)))
			dx := Sub(Mul(v, w), Mul(x2, outer(coef, Ones(g, shapes.Make(x.DType(), width)))))
			dg := DotGeneral(Reshape(r, 1, rows), []int{1}, nil, Mul(v, x2), []int{0}, nil)
			return []*Node{dx, Reshape(dg, width)}
		})
	return Reshape(y, dims...)
}
