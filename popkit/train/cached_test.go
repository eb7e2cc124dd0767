package train

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/policy"
	"github.com/poprlhf/sandbox/popkit/synth"
)

// synthPrompts returns the prompts of n items of the synthetic world.
func synthPrompts(tb testing.TB, n int) []string {
	tb.Helper()
	w, err := synth.Generate(synth.Config{Prompts: n, Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	prompts := make([]string, len(w.Items))
	for i, it := range w.Items {
		prompts[i] = it.Text
	}
	return prompts
}

func TestCachedSamplingMatchesUncached(t *testing.T) {
	// The key-value cache changes how the logits are computed, not what they are: for the
	// same seed both decoders must sample the same tokens, stop the same way and report the
	// same log-probabilities (to float32 rounding). Prompts of different lengths share a
	// batch, the batch is not full (filler rows), and a second batch follows, so the cache is
	// rebuilt; the configs cover temperature, top-k, top-p, greedy decoding, rows that end
	// with EOS and rows cut by MaxNewTokens or by Limits.MaxLen.
	be, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, int64(3))
	m := &Model{
		Policy: policy.Config{EmbedDim: 32, NumLayers: 2, NumHeads: 4, MaxLen: 96},
		Limits: policy.Limits{MaxLen: 96, MaxPromptLen: 40},
		Store:  store,
	}
	prompts := synthPrompts(t, 7)
	configs := []SampleConfig{
		{MaxNewTokens: 24, BatchSize: 4, Seed: 1},
		{MaxNewTokens: 24, BatchSize: 4, Seed: 2, Temperature: 0.7, TopK: 20},
		{MaxNewTokens: 24, BatchSize: 8, Seed: 3, Temperature: 1.3, TopP: 0.9},
		{MaxNewTokens: 80, BatchSize: 8, Seed: 4},                    // reaches Limits.MaxLen
		{MaxNewTokens: 16, BatchSize: 8, Seed: 5, Temperature: 1e-6}, // greedy
	}
	ended := 0
	for _, cfg := range configs {
		cfg = cfg.Normalized()
		slow, err := m.generate(be, prompts, cfg, false)
		if err != nil {
			t.Fatal(err)
		}
		fast, err := m.generate(be, prompts, cfg, true)
		if err != nil {
			t.Fatal(err)
		}
		for i := range slow {
			if fast[i].Response != slow[i].Response || fast[i].Ended != slow[i].Ended {
				t.Errorf("%+v, prompt %d: cached %q (ended %t), uncached %q (ended %t)", cfg, i,
					fast[i].Response, fast[i].Ended, slow[i].Response, slow[i].Ended)
			}
			if d := math.Abs(fast[i].LogProb - slow[i].LogProb); d > 1e-3 {
				t.Errorf("%+v, prompt %d: log-prob cached %.6f, uncached %.6f", cfg, i,
					fast[i].LogProb, slow[i].LogProb)
			}
			if fast[i].Ended {
				ended++
			}
		}
	}
	if ended == 0 {
		t.Errorf("no generation ended with EOS: the stop on EOS was not compared")
	}
}

// BenchmarkGenerate samples 64 prompts x 64 new tokens from an untrained decoder of the
// quick preset's shape, with and without the key-value cache (an untrained decoder rarely
// samples EOS, so almost every row runs all 64 steps).
func BenchmarkGenerate(b *testing.B) {
	be, err := backend.New()
	if err != nil {
		b.Fatal(err)
	}
	m := &Model{
		Policy: policy.Config{EmbedDim: 64, NumLayers: 2, NumHeads: 4, MaxLen: 128},
		Limits: policy.Limits{MaxLen: 128},
		Store:  model.NewStore(),
	}
	prompts := synthPrompts(b, 64)
	cfg := SampleConfig{MaxNewTokens: 64, BatchSize: 64}.Normalized()
	for _, cached := range []bool{false, true} {
		name := map[bool]string{false: "uncached", true: "cached"}[cached]
		b.Run(name, func(b *testing.B) {
			if _, err := m.generate(be, prompts, cfg, cached); err != nil {
				b.Fatal(err) // compiles and initialises outside the timing
			}
			b.ResetTimer()
			for range b.N {
				if _, err := m.generate(be, prompts, cfg, cached); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(prompts)*cfg.MaxNewTokens)/b.Elapsed().Seconds(),
				"tokens/s")
		})
	}
}
