package pretrained

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Config is the architecture of a Llama-family checkpoint, read from its config.json (the
// field names of Hugging Face's LlamaConfig).
type Config struct {
	Architectures    []string        `json:"architectures"`
	ModelType        string          `json:"model_type"`
	VocabSize        int             `json:"vocab_size"`
	HiddenSize       int             `json:"hidden_size"`
	IntermediateSize int             `json:"intermediate_size"`
	NumLayers        int             `json:"num_hidden_layers"`
	NumHeads         int             `json:"num_attention_heads"`
	NumKVHeads       int             `json:"num_key_value_heads"`
	HeadDim          int             `json:"head_dim"`
	RMSNormEps       float64         `json:"rms_norm_eps"`
	RoPETheta        float64         `json:"rope_theta"`
	TieEmbeddings    bool            `json:"tie_word_embeddings"`
	HiddenAct        string          `json:"hidden_act"`
	MaxPositions     int             `json:"max_position_embeddings"`
	AttentionBias    bool            `json:"attention_bias"`
	MLPBias          bool            `json:"mlp_bias"`
	RoPEScaling      json.RawMessage `json:"rope_scaling"`
	BOSTokenID       *int            `json:"bos_token_id"`
	EOSTokenID       json.RawMessage `json:"eos_token_id"`
}

// ReadConfig reads and checks config.json. Defaults as LlamaConfig's: NumKVHeads =
// NumHeads, HeadDim = HiddenSize / NumHeads, RoPETheta 10000, RMSNormEps 1e-6, HiddenAct silu.
func ReadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("pretrained: %w", err)
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return Config{}, fmt.Errorf("pretrained: %s: %w", path, err)
	}
	if c.NumKVHeads == 0 {
		c.NumKVHeads = c.NumHeads
	}
	if c.HeadDim == 0 && c.NumHeads > 0 {
		c.HeadDim = c.HiddenSize / c.NumHeads
	}
	if c.RoPETheta == 0 {
		c.RoPETheta = 10000
	}
	if c.RMSNormEps == 0 {
		c.RMSNormEps = 1e-6
	}
	if c.HiddenAct == "" {
		c.HiddenAct = "silu"
	}
	if err := c.validate(); err != nil {
		return Config{}, fmt.Errorf("pretrained: %s: %w", path, err)
	}
	return c, nil
}

// validate checks that c describes a Llama model this package can run. Each problem is
// reported under its own config.json field name, in the order of the checks below, so that
// the joined error reads the same on every run.
func (c Config) validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("field %q: %s", field, fmt.Sprintf(format, args...)))
	}
	if c.ModelType != "" && c.ModelType != "llama" {
		bad("model_type", "%q; only the llama architecture is supported", c.ModelType)
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"vocab_size", c.VocabSize},
		{"hidden_size", c.HiddenSize},
		{"intermediate_size", c.IntermediateSize},
		{"num_hidden_layers", c.NumLayers},
		{"num_attention_heads", c.NumHeads},
		{"num_key_value_heads", c.NumKVHeads},
	} {
		if f.v <= 0 {
			bad(f.name, "%d, want > 0", f.v)
		}
	}
	if c.NumKVHeads > 0 && c.NumHeads%c.NumKVHeads != 0 {
		bad("num_key_value_heads", "%d does not divide num_attention_heads %d", c.NumKVHeads,
			c.NumHeads)
	}
	switch {
	case c.HeadDim <= 0:
		bad("head_dim", "%d, want > 0 (when absent: hidden_size / num_attention_heads)",
			c.HeadDim)
	case c.HeadDim%2 != 0:
		bad("head_dim", "%d is odd; RoPE rotates pairs", c.HeadDim)
	}
	if c.HiddenAct != "silu" {
		bad("hidden_act", "%q; only silu is supported", c.HiddenAct)
	}
	if c.AttentionBias {
		bad("attention_bias", "true; biases are not supported")
	}
	if c.MLPBias {
		bad("mlp_bias", "true; biases are not supported")
	}
	if s := strings.TrimSpace(string(c.RoPEScaling)); s != "" && s != "null" {
		bad("rope_scaling", "%s; RoPE scaling is not supported", s)
	}
	return errors.Join(errs...)
}
