package policy

import (
	"errors"
	"testing"
)

func TestConfigNormalized(t *testing.T) {
	tests := []struct {
		name string
		in   Config
		want Config
	}{
		// FFNDim: 8/3 * 128 = 341.33, rounded up to a multiple of 32 = 352.
		{"zero value", Config{}, Config{VocabSize: 259, EmbedDim: 128, NumLayers: 2, NumHeads: 4,
			FFNDim: 352, MaxLen: 256, RoPEBase: 10000, NormEpsilon: 1e-5}},
		// 8/3 * 64 = 170.67 -> 192; 8/3 * 96 = 256 exactly -> 256.
		{"FFNDim follows EmbedDim 64", Config{EmbedDim: 64}, Config{VocabSize: 259, EmbedDim: 64,
			NumLayers: 2, NumHeads: 4, FFNDim: 192, MaxLen: 256, RoPEBase: 10000, NormEpsilon: 1e-5}},
		{"FFNDim follows EmbedDim 96", Config{EmbedDim: 96}, Config{VocabSize: 259, EmbedDim: 96,
			NumLayers: 2, NumHeads: 4, FFNDim: 256, MaxLen: 256, RoPEBase: 10000, NormEpsilon: 1e-5}},
		{"set fields are kept", Config{VocabSize: 300, EmbedDim: 32, NumLayers: 1, NumHeads: 2,
			FFNDim: 50, MaxLen: 16, RoPEBase: 500, NormEpsilon: 1e-6},
			Config{VocabSize: 300, EmbedDim: 32, NumLayers: 1, NumHeads: 2, FFNDim: 50, MaxLen: 16,
				RoPEBase: 500, NormEpsilon: 1e-6}},
	}
	for _, tc := range tests {
		if got := tc.in.Normalized(); got != tc.want {
			t.Errorf("%s: Normalized() = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		want []string // substrings of the error; nil for a valid config
	}{
		{"zero value is valid", Config{}, nil},
		{"small valid", Config{EmbedDim: 8, NumHeads: 2, NumLayers: 1, MaxLen: 4}, nil},
		{"EmbedDim not divisible by NumHeads", Config{EmbedDim: 130},
			[]string{"Config.EmbedDim = 130 is not divisible by NumHeads = 4"}},
		// 12 / 4 = 3 features per head: RoPE rotates pairs.
		{"odd head dimension", Config{EmbedDim: 12}, []string{"12/4 = 3 is odd"}},
		{"vocabulary too small for bytes", Config{VocabSize: 256},
			[]string{"Config.VocabSize = 256, want >= 259"}},
		{"negative layers", Config{NumLayers: -1}, []string{"Config.NumLayers = -1"}},
		{"negative heads", Config{NumHeads: -2}, []string{"Config.NumHeads = -2"}},
		{"negative FFNDim", Config{FFNDim: -3}, []string{"Config.FFNDim = -3"}},
		{"negative MaxLen", Config{MaxLen: -4}, []string{"Config.MaxLen = -4"}},
		{"RoPE base 1", Config{RoPEBase: 1}, []string{"Config.RoPEBase = 1"}},
		{"negative epsilon", Config{NormEpsilon: -1e-5}, []string{"Config.NormEpsilon = -1e-05"}},
		{"every problem is reported", Config{EmbedDim: 130, NumLayers: -1, NormEpsilon: -1},
			[]string{"EmbedDim = 130", "NumLayers = -1", "NormEpsilon = -1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			wantError(t, err, ErrInvalidConfig, tc.want...)
		})
	}
}

func TestHeadDim(t *testing.T) {
	tests := []struct {
		c    Config
		want int
	}{
		{Config{}, 32},                         // 128 / 4
		{Config{EmbedDim: 64, NumHeads: 8}, 8}, // 64 / 8
		{Config{NumHeads: -1}, 0},              // invalid: no head dimension
	}
	for _, tc := range tests {
		if got := tc.c.HeadDim(); got != tc.want {
			t.Errorf("%+v.HeadDim() = %d, want %d", tc.c, got, tc.want)
		}
	}
}

func TestValidateJoinsErrors(t *testing.T) {
	// errors.Join keeps each problem reachable on its own.
	err := Config{EmbedDim: 130, NumLayers: -1}.Validate()
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 2 {
		t.Fatalf("Validate() = %v, want two joined errors", err)
	}
}
