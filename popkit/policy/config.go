package policy

import (
	"errors"
	"fmt"
)

// ErrInvalidConfig is wrapped by the errors of [Config.Validate].
var ErrInvalidConfig = errors.New("policy: invalid config")

// Config describes the decoder. The zero value means the defaults; [Config.Normalized] fills
// them in.
type Config struct {
	// VocabSize is the number of token ids, the rows of the embedding table and the width of
	// the logits. Default [VocabSize] (259, the byte tokenizer's). 259 is kept as it is rather
	// than rounded up to a multiple of 8: the Go backend showed no speed gain worth logits
	// columns that no token can take.
	VocabSize int
	// EmbedDim is the width of the residual stream. Default 128.
	EmbedDim int
	// NumLayers is the number of decoder blocks. Default 2.
	NumLayers int
	// NumHeads is the number of attention heads; EmbedDim/NumHeads must be even (RoPE rotates
	// pairs of features). Default 4.
	NumHeads int
	// FFNDim is the hidden width of the SwiGLU feed-forward block. Default: 8/3 * EmbedDim
	// rounded up to a multiple of 32 (Llama's rule), 352 for EmbedDim 128.
	FFNDim int
	// MaxLen is the longest token sequence [Config.Logits] accepts. Default 256.
	MaxLen int
	// RoPEBase is the base frequency of the rotary position embeddings. Default 10000.
	RoPEBase float64
	// NormEpsilon is the epsilon added to the mean square in RMSNorm. Default 1e-5.
	NormEpsilon float64
}

// Defaults of [Config] fields (FFNDim's default depends on EmbedDim; see [Config]).
const (
	DefaultEmbedDim    = 128
	DefaultNumLayers   = 2
	DefaultNumHeads    = 4
	DefaultRoPEBase    = 10000.0
	DefaultNormEpsilon = 1e-5
)

// Normalized returns c with every zero field replaced by its default.
func (c Config) Normalized() Config {
	if c.VocabSize == 0 {
		c.VocabSize = VocabSize
	}
	if c.EmbedDim == 0 {
		c.EmbedDim = DefaultEmbedDim
	}
	if c.NumLayers == 0 {
		c.NumLayers = DefaultNumLayers
	}
	if c.NumHeads == 0 {
		c.NumHeads = DefaultNumHeads
	}
	if c.FFNDim == 0 && c.EmbedDim > 0 {
		ffn := (8*c.EmbedDim + 2) / 3 // ceil(8/3 * EmbedDim)
		c.FFNDim = (ffn + 31) / 32 * 32
	}
	if c.MaxLen == 0 {
		c.MaxLen = DefaultMaxLen
	}
	if c.RoPEBase == 0 {
		c.RoPEBase = DefaultRoPEBase
	}
	if c.NormEpsilon == 0 {
		c.NormEpsilon = DefaultNormEpsilon
	}
	return c
}

// HeadDim returns EmbedDim / NumHeads of the normalized config.
func (c Config) HeadDim() int {
	c = c.Normalized()
	if c.NumHeads <= 0 {
		return 0
	}
	return c.EmbedDim / c.NumHeads
}

// Validate checks the normalized config and returns every problem found, joined; each error
// wraps [ErrInvalidConfig] and names the field. Rules: VocabSize >= [VocabSize] (every byte
// tokenizer id needs a row); EmbedDim, NumLayers, NumHeads, FFNDim and MaxLen positive;
// EmbedDim divisible by NumHeads with an even head dimension; RoPEBase > 1; NormEpsilon > 0.
func (c Config) Validate() error {
	c = c.Normalized()
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	if c.VocabSize < VocabSize {
		bad("Config.VocabSize = %d, want >= %d (the byte tokenizer's ids)", c.VocabSize, VocabSize)
	}
	for _, f := range []struct {
		name  string
		value int
	}{
		{"EmbedDim", c.EmbedDim}, {"NumLayers", c.NumLayers}, {"NumHeads", c.NumHeads},
		{"FFNDim", c.FFNDim}, {"MaxLen", c.MaxLen},
	} {
		if f.value < 0 {
			bad("Config.%s = %d, want > 0 (0 means the default)", f.name, f.value)
		}
	}
	if c.EmbedDim > 0 && c.NumHeads > 0 {
		if c.EmbedDim%c.NumHeads != 0 {
			bad("Config.EmbedDim = %d is not divisible by NumHeads = %d", c.EmbedDim, c.NumHeads)
		} else if (c.EmbedDim/c.NumHeads)%2 != 0 {
			bad("Config.EmbedDim/NumHeads = %d/%d = %d is odd; RoPE needs an even head dimension",
				c.EmbedDim, c.NumHeads, c.EmbedDim/c.NumHeads)
		}
	}
	if !(c.RoPEBase > 1) {
		bad("Config.RoPEBase = %g, want > 1 (0 means the default %g)", c.RoPEBase, DefaultRoPEBase)
	}
	if !(c.NormEpsilon > 0) {
		bad("Config.NormEpsilon = %g, want > 0 (0 means the default %g)",
			c.NormEpsilon, DefaultNormEpsilon)
	}
	return errors.Join(errs...)
}
