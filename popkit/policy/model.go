package policy

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/layers/attention"
	"github.com/gomlx/gomlx/ml/layers/attention/pos"
	"github.com/gomlx/gomlx/ml/layers/norm"
	"github.com/gomlx/gomlx/ml/model"
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
//	    x = x + Attention(RMSNorm(x))             attention.SelfAttention, causal,
//	                                              RoPE on q and k (pos.RoPE)
//	    h = RMSNorm(x)                            norm.RMSNorm
//	    x = x + W_down (SiLU(W_gate h) * W_up h)  layers.Dense, activation.Swish
//	logits = W_out RMSNorm(x)
//
// with no biases anywhere and RMSNorm scales initialised to 1 (other weights use the Store's
// default initializer, He-normal in GoMLX). Attention is causal and padding is on the right
// (see [Pack]), so a real token never attends to a padded one: logits at real positions do not
// depend on the padding, and no padding mask is needed for log-probabilities of real tokens
// (the package tests check this to 1e-5).
//
// Variables live under scope: token_embed, layer_<i>/{attn_norm, attn, mlp_norm, mlp_gate,
// mlp_up, mlp_down}, final_norm and output. Calling Logits again with the same scope reuses
// the same variables.
//
// Logits panics if the config is invalid (see [Config.Validate]) or tokens is not an integer
// [B, T] tensor with 1 <= T <= MaxLen.
func (c Config) Logits(scope *model.Scope, tokens *Node) *Node {
	c = c.Normalized()
	if err := c.Validate(); err != nil {
		panic(err)
	}
	if tokens.Rank() != 2 || !tokens.DType().IsInt() {
		panic(fmt.Errorf("policy: Logits: tokens must be an integer [B, T] tensor, got %s",
			tokens.Shape()))
	}
	if seqLen := tokens.Shape().Dim(1); seqLen < 1 || seqLen > c.MaxLen {
		panic(fmt.Errorf("policy: Logits: tokens %s has T = %d, want 1 <= T <= MaxLen = %d",
			tokens.Shape(), seqLen, c.MaxLen))
	}

	// layers.Embedding reads a last axis of size 1 as the index axis, which would turn T = 1
	// into [B, E]; an explicit index axis keeps the output [B, T, E] for every T.
	x := layers.Embedding(scope.At("token_embed"), InsertAxes(tokens, -1), dtypes.Float32,
		c.VocabSize, c.EmbedDim)
	rope := pos.NewRoPE(c.RoPEBase)
	for i := range c.NumLayers {
		ls := scope.At("layer_%d", i)

		h := c.rmsNorm(ls.At("attn_norm"), x)
		attn := attention.SelfAttention(ls.At("attn"), h, c.NumHeads, c.HeadDim()).
			WithPositionalEncoder(rope).
			WithCausalMask(true).
			UseProjectionBias(false).
			Done()
		x = Add(x, attn)

		h = c.rmsNorm(ls.At("mlp_norm"), x)
		gate := layers.Dense(ls.At("mlp_gate"), h, false, c.FFNDim)
		up := layers.Dense(ls.At("mlp_up"), h, false, c.FFNDim)
		mlp := layers.Dense(ls.At("mlp_down"), Mul(activation.Swish(gate), up), false, c.EmbedDim)
		x = Add(x, mlp)
	}
	x = c.rmsNorm(scope.At("final_norm"), x)
	return layers.Dense(scope.At("output"), x, false, c.VocabSize)
}

// rmsNorm normalizes the last axis of x: x / sqrt(mean(x^2) + eps) * g, g learned, init 1.
func (c Config) rmsNorm(scope *model.Scope, x *Node) *Node {
	return norm.RMSNorm(scope, x).WithEpsilon(c.NormEpsilon).Done()
}
