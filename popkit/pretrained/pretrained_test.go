package pretrained_test

import (
	"encoding/json"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/pretrained"
	"github.com/poprlhf/sandbox/popkit/pretrained/pretrainedtest"
)

func TestTokenizer(t *testing.T) {
	dir := t.TempDir()
	pretrainedtest.WriteCheckpoint(t, dir, pretrainedtest.TinyConfig(true), false)
	tok, err := pretrained.LoadTokenizer(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	// By hand: "hello" -> h e l l o -> (h e) -> (l l) -> (he ll) = [hell, o]; " world" ->
	// Ġ w o r l d -> (Ġ w) -> (o r) = [Ġw, or, l, d]; the digits split one by one; "<|im_end|>"
	// is an added token (id 263). Byte ids follow GPT-2's table: printable ASCII maps to
	// itself, so 'o' = 111, 'l' = 108, 'd' = 100, '1' = 49, '2' = 50.
	ids, err := tok.Encode("hello world12<|im_end|>")
	if err != nil {
		t.Fatal(err)
	}
	want := []int32{258, 111, 259, 260, 108, 100, 49, 50, 263}
	if !slices.Equal(ids, want) {
		t.Errorf("Encode = %v, want %v", ids, want)
	}
}

func TestSequenceLogProbsMatchReference(t *testing.T) {
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	prompts := []string{"hello", "Say hi to the world, 42 times."}
	responses := []string{" world", "hello world!"}
	for _, tc := range []struct {
		name       string
		tied, bf16 bool
	}{{"tied-f32", true, false}, {"untied-bf16", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := pretrainedtest.TinyConfig(tc.tied)
			w := pretrainedtest.WriteCheckpoint(t, dir, cfg, tc.bf16)
			m, err := pretrained.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if m.Template.Name != "chatml" || m.Template.System != "Be brief." ||
				m.Template.PadID != 261 {
				t.Errorf("template %+v, want chatml with system \"Be brief.\" and pad id 261",
					m.Template)
			}
			got, err := m.SequenceLogProbs(b, prompts, responses, 2)
			if err != nil {
				t.Fatal(err)
			}
			for i := range prompts {
				e, err := m.Encode(prompts[i], responses[i])
				if err != nil {
					t.Fatal(err)
				}
				want := pretrainedtest.RefLogProb(m.Config, w, e.Tokens, e.Response)
				// float32 graph against a float64 reference over ~40 tokens.
				if math.Abs(got[i]-want) > 1e-3*math.Max(1, math.Abs(want)) {
					t.Errorf("sequence %d: log-prob %.6f, reference %.6f", i, got[i], want)
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	pretrainedtest.WriteCheckpoint(t, dir, pretrainedtest.TinyConfig(true), false)
	cfg, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	for _, tc := range []struct{ edit, want string }{
		{`"hidden_act":"gelu"`, `field "hidden_act": "gelu"`},
		{`"rope_scaling":{"type":"linear","factor":2}`, `field "rope_scaling"`},
		{`"num_key_value_heads":3`, `field "num_key_value_heads": 3 does not divide`},
		{`"hidden_size":24`, `weight "model.embed_tokens.weight" has shape [264 16], ` +
			`config.json implies [264 24]`},
	} {
		key := tc.edit[:strings.Index(tc.edit, ":")]
		var m map[string]json.RawMessage
		json.Unmarshal(cfg, &m)
		m[strings.Trim(key, `"`)] = json.RawMessage(tc.edit[len(key)+1:])
		b, _ := json.Marshal(m)
		if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := pretrained.Load(dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.edit, err, tc.want)
		}
	}
}

// TestReadConfigErrors checks that each invalid field is reported under its own name and
// that several problems are joined in the same order on every run.
func TestReadConfigErrors(t *testing.T) {
	// valid holds the required fields of a small valid config.json; each case overrides some.
	valid := map[string]any{"vocab_size": 10, "hidden_size": 8, "intermediate_size": 16,
		"num_hidden_layers": 1, "num_attention_heads": 2}
	path := filepath.Join(t.TempDir(), "config.json")
	read := func(t *testing.T, edits map[string]any) error {
		t.Helper()
		m := maps.Clone(valid)
		maps.Copy(m, edits)
		b, _ := json.Marshal(m)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := pretrained.ReadConfig(path)
		return err
	}
	if err := read(t, nil); err != nil {
		t.Fatalf("valid config: %v", err)
	}

	for _, tc := range []struct {
		name  string
		edits map[string]any
		want  string // the whole message after "pretrained: <path>: "
	}{
		{"mlp_bias", map[string]any{"mlp_bias": true},
			`field "mlp_bias": true; biases are not supported`},
		{"attention_bias", map[string]any{"attention_bias": true},
			`field "attention_bias": true; biases are not supported`},
		{"both biases", map[string]any{"attention_bias": true, "mlp_bias": true},
			`field "attention_bias": true; biases are not supported` + "\n" +
				`field "mlp_bias": true; biases are not supported`},
		{"negative head_dim", map[string]any{"head_dim": -2},
			`field "head_dim": -2, want > 0 (when absent: hidden_size / num_attention_heads)`},
		// head_dim absent: hidden_size / num_attention_heads = 1 / 2 = 0.
		{"derived head_dim 0", map[string]any{"hidden_size": 1},
			`field "head_dim": 0, want > 0 (when absent: hidden_size / num_attention_heads)`},
		{"odd head_dim", map[string]any{"head_dim": 3},
			`field "head_dim": 3 is odd; RoPE rotates pairs`},
		// Fields in the order of config.go's checks, not of a map's iteration.
		{"several", map[string]any{"vocab_size": 0, "hidden_size": -1, "intermediate_size": 0,
			"num_hidden_layers": 0, "head_dim": 4},
			`field "vocab_size": 0, want > 0` + "\n" + `field "hidden_size": -1, want > 0` + "\n" +
				`field "intermediate_size": 0, want > 0` + "\n" +
				`field "num_hidden_layers": 0, want > 0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := "pretrained: " + path + ": " + tc.want
			for range 20 {
				if err := read(t, tc.edits); err == nil || err.Error() != want {
					t.Fatalf("err = %v,\nwant %s", err, want)
				}
			}
		})
	}
}
