package pretrained_test

import (
	"encoding/json"
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
