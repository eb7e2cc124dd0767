package policy

import (
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
)

// ids returns BOS, the bytes of s, and the extra ids given.
func ids(s string, extra ...int32) []int32 {
	out := []int32{BOS}
	for i := 0; i < len(s); i++ {
		out = append(out, int32(s[i]))
	}
	return append(out, extra...)
}

// maskOf returns zeros for BOS and nPrompt prompt bytes, then nScored ones.
func maskOf(nPrompt, nScored int) []float32 {
	m := make([]float32, 1+nPrompt+nScored)
	for i := 1 + nPrompt; i < len(m); i++ {
		m[i] = 1
	}
	return m
}

func TestEncode(t *testing.T) {
	long := strings.Repeat("0123456789", 30) // 300 bytes
	tests := []struct {
		name             string
		prompt, response string
		lim              Limits
		wantTokens       []int32
		wantMask         []float32
		wantTruncated    bool
	}{
		{"short texts", "hi", "yo", Limits{},
			ids("hiyo", EOS), maskOf(2, 3), false},
		{"empty response scores only EOS", "ab", "", Limits{},
			ids("ab", EOS), maskOf(2, 1), false},
		{"empty prompt", "", "x", Limits{},
			ids("x", EOS), maskOf(0, 2), false},
		// 6 prompt bytes, MaxPromptLen 3: the last 3 ("def") are kept.
		{"long prompt keeps its end", "abcdef", "xy", Limits{MaxLen: 10, MaxPromptLen: 3},
			ids("defxy", EOS), maskOf(3, 3), true},
		// Budget for the response: MaxLen - 1 - 2 prompt bytes = 5 < 8 bytes + EOS, so the
		// first 5 bytes are kept and there is no EOS.
		{"long response keeps its start, no EOS", "ab", "uvwxyz12",
			Limits{MaxLen: 8, MaxPromptLen: 3},
			ids("abuvwxy"), maskOf(2, 5), true},
		// Budget 6 - 1 - 2 = 3: "xyz" fits but its EOS does not.
		{"response fills the budget, EOS dropped", "ab", "xyz", Limits{MaxLen: 6, MaxPromptLen: 2},
			ids("abxyz"), maskOf(2, 3), true},
		// Budget 3 = 2 bytes + EOS: nothing is dropped.
		{"response and EOS fit exactly", "ab", "xy", Limits{MaxLen: 6, MaxPromptLen: 2},
			ids("abxy", EOS), maskOf(2, 3), false},
		{"both cut", "abcd", "wxyz", Limits{MaxLen: 6, MaxPromptLen: 2},
			ids("cdwxy"), maskOf(2, 3), true},
		// Defaults: the prompt keeps its last 64 bytes ("6789" + 6 x "0123456789"), the
		// response the first 256 - 1 - 64 = 191 bytes.
		{"default limits", long, long, Limits{},
			ids(long[300-64:] + long[:191]), maskOf(64, 191), true},
		// "é" is C3 A9 and "€" is E2 82 AC in UTF-8: bytes, not runes, are tokens.
		{"multi-byte UTF-8", "é", "€", Limits{},
			[]int32{BOS, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, EOS}, maskOf(2, 4), false},
		// MaxPromptLen 1 keeps A9, the second byte of "é"; budget 4 - 1 - 1 = 2 keeps E2 82,
		// two of the three bytes of "€".
		{"cuts split UTF-8 characters", "é", "€", Limits{MaxLen: 4, MaxPromptLen: 1},
			[]int32{BOS, 0xA9, 0xE2, 0x82}, maskOf(1, 2), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Encode(tc.prompt, tc.response, tc.lim)
			if !slices.Equal(got.Tokens, tc.wantTokens) {
				t.Errorf("Tokens = %v, want %v", got.Tokens, tc.wantTokens)
			}
			if !slices.Equal(got.Response, tc.wantMask) {
				t.Errorf("Response = %v, want %v", got.Response, tc.wantMask)
			}
			if got.Truncated != tc.wantTruncated {
				t.Errorf("Truncated = %v, want %v", got.Truncated, tc.wantTruncated)
			}
			if maxLen := tc.lim.Normalized().MaxLen; got.Len() > maxLen {
				t.Errorf("Len() = %d > MaxLen %d", got.Len(), maxLen)
			}
		})
	}
}

func TestLimitsValidate(t *testing.T) {
	tests := []struct {
		name string
		lim  Limits
		want []string // substrings of the error; nil for a valid Limits
	}{
		{"zero value", Limits{}, nil},
		{"smallest valid", Limits{MaxLen: 3, MaxPromptLen: 1}, nil},
		{"negative prompt", Limits{MaxPromptLen: -1}, []string{"Limits.MaxPromptLen = -1"}},
		// BOS + 2 prompt bytes + 1 response token = 4 > 3.
		{"no room for a response", Limits{MaxLen: 3, MaxPromptLen: 2},
			[]string{"Limits.MaxLen = 3", "MaxPromptLen+2 = 4"}},
		// MaxPromptLen defaults to 64, so MaxLen must be at least 66.
		{"short MaxLen with default prompt", Limits{MaxLen: 10},
			[]string{"Limits.MaxLen = 10", "= 66"}},
		{"negative MaxLen", Limits{MaxLen: -5}, []string{"Limits.MaxLen = -5"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.lim.Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			wantError(t, err, ErrInvalidLimits, tc.want...)
		})
	}
}

func TestEncodePanicsOnInvalidLimits(t *testing.T) {
	wantPanic(t, func() { Encode("p", "r", Limits{MaxLen: 3, MaxPromptLen: 2}) },
		"policy: invalid limits", "Limits.MaxLen = 3")
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name   string
		tokens []int32
		want   string
	}{
		{"round trip of Encode", Encode("Q: ", "yes", Limits{}).Tokens, "Q: yes"},
		{"BOS and PAD are skipped", []int32{BOS, 'a', PAD, 'b', PAD}, "ab"},
		{"stops at the first EOS", []int32{'a', EOS, 'b', EOS}, "a"},
		{"unknown ids", []int32{'a', VocabSize, -1, 'b'}, "a\uFFFD\uFFFDb"},
		{"cut UTF-8 stays as bytes", []int32{0xE2, 0x82}, "\xE2\x82"},
		{"empty", nil, ""},
	}
	for _, tc := range tests {
		if got := Decode(tc.tokens); got != tc.want {
			t.Errorf("%s: Decode(%v) = %q, want %q", tc.name, tc.tokens, got, tc.want)
		}
	}
}

// packed returns the values of Pack's tensors.
func packed(tokens, mask *tensors.Tensor) ([][]int32, [][]float32) {
	return tokens.Value().([][]int32), mask.Value().([][]float32)
}

func TestPack(t *testing.T) {
	a := Encode("ab", "c", Limits{}) // BOS a b c EOS, 5 tokens
	b := Encode("", "de", Limits{})  // BOS d e EOS, 4 tokens
	tests := []struct {
		name      string
		length    int
		wantTok   [][]int32
		wantMask  [][]float32
		wantShape []int
	}{
		{"length 0 is the longest row", 0,
			[][]int32{ids("abc", EOS), ids("de", EOS, PAD)},
			[][]float32{{0, 0, 0, 1, 1}, {0, 1, 1, 1, 0}}, []int{2, 5}},
		{"explicit length pads every row", 7,
			[][]int32{ids("abc", EOS, PAD, PAD), ids("de", EOS, PAD, PAD, PAD)},
			[][]float32{{0, 0, 0, 1, 1, 0, 0}, {0, 1, 1, 1, 0, 0, 0}}, []int{2, 7}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tokens, mask := Pack([]Encoded{a, b}, tc.length)
			if !slices.Equal(tokens.Shape().Dimensions, tc.wantShape) ||
				!slices.Equal(mask.Shape().Dimensions, tc.wantShape) {
				t.Fatalf("shapes %s, %s; want dimensions %v", tokens.Shape(), mask.Shape(),
					tc.wantShape)
			}
			gotTok, gotMask := packed(tokens, mask)
			for i := range tc.wantTok {
				if !slices.Equal(gotTok[i], tc.wantTok[i]) {
					t.Errorf("tokens row %d = %v, want %v", i, gotTok[i], tc.wantTok[i])
				}
				if !slices.Equal(gotMask[i], tc.wantMask[i]) {
					t.Errorf("mask row %d = %v, want %v", i, gotMask[i], tc.wantMask[i])
				}
			}
		})
	}
}

func TestPackPanics(t *testing.T) {
	a := Encode("ab", "c", Limits{}) // 5 tokens
	broken := Encoded{Tokens: []int32{BOS, 'x'}, Response: []float32{0}}
	tests := []struct {
		name string
		f    func()
		want []string
	}{
		{"empty batch", func() { Pack(nil, 0) }, []string{"policy: Pack: empty batch"}},
		{"negative length", func() { Pack([]Encoded{a}, -1) }, []string{"negative length -1"}},
		{"row longer than length", func() { Pack([]Encoded{a, a}, 4) },
			[]string{"row 0 has 5 tokens, more than length 4"}},
		{"mask length mismatch", func() { Pack([]Encoded{a, broken}, 0) },
			[]string{"row 1 has 2 tokens but 1 mask entries"}},
		{"pairs of unequal sizes", func() { PackPairs([]Encoded{a}, nil, 0) },
			[]string{"policy: PackPairs: 1 chosen but 0 rejected"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantPanic(t, tc.f, tc.want...) })
	}
}

func TestPackPairs(t *testing.T) {
	c0, c1 := Encode("p", "good", Limits{}), Encode("q", "fine", Limits{})
	r0, r1 := Encode("p", "bad", Limits{}), Encode("q", "no", Limits{})
	tokens, mask := PackPairs([]Encoded{c0, c1}, []Encoded{r0, r1}, 0)
	gotTok, gotMask := packed(tokens, mask)

	// Rows 0..B-1 are chosen, rows B..2B-1 rejected, in pair order; length = longest (7).
	want := []Encoded{c0, c1, r0, r1}
	if len(gotTok) != 4 || len(gotTok[0]) != 7 {
		t.Fatalf("tokens shape %s, want [4 7]", tokens.Shape())
	}
	for i, e := range want {
		n := e.Len()
		if !slices.Equal(gotTok[i][:n], e.Tokens) || !slices.Equal(gotMask[i][:n], e.Response) {
			t.Errorf("row %d = %v / %v, want %v / %v", i, gotTok[i], gotMask[i], e.Tokens, e.Response)
		}
	}
}
