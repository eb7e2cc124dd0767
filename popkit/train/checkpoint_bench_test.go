package train

import (
	"context"
	"testing"

	"github.com/poprlhf/sandbox/popkit/policy"
)

// BenchmarkCheckpoint compares, for the quick preset's decoder (EmbedDim 64, 2 layers, MaxLen
// 128, batch 8), one preference training step with one checkpoint save of the whole training
// state, so that the cost of Checkpoint.Every can be read as a share of training time:
//
//	GOEXPERIMENT=simd GOMLX_BACKEND=go:parallelism=-1 GODEBUG=cpu.fma=off \
//	  go test -run '^$' -bench BenchmarkCheckpoint ./popkit/train
func BenchmarkCheckpoint(b *testing.B) {
	cfg := Config{
		Policy:          policy.Config{EmbedDim: 64, NumLayers: 2, NumHeads: 4, MaxLen: 128},
		Limits:          policy.Limits{MaxLen: 128, MaxPromptLen: 32},
		BatchSize:       8,
		SFTSteps:        1,
		PreferenceSteps: 1,
	}
	backend := testBackend(&testing.T{})
	pairs := tinyPairs(&testing.T{})[:16]
	ref, err := Reference(context.Background(), backend, pairs, cfg)
	if err != nil {
		b.Fatal(err)
	}
	refC, refR, err := ref.LogProbs(backend, pairs, 8)
	if err != nil {
		b.Fatal(err)
	}
	data := Pairs{Pairs: pairs, RefChosen: refC, RefRejected: refR,
		Offsets: make([]float64, len(pairs))}
	var trained *Model
	b.Run("step", func(b *testing.B) {
		c := cfg
		c.PreferenceSteps = b.N + 1 // one more step compiles the graph
		c.Progress = func(p Progress) {
			if p.Step == 1 {
				b.ResetTimer()
			}
		}
		if trained, err = Preference(context.Background(), backend, ref, data, c); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("save", func(b *testing.B) {
		cp := &checkpointer{dir: b.TempDir(), every: 1, store: trained.Store}
		b.ResetTimer()
		for i := range b.N {
			if err := cp.save(i + 1); err != nil {
				b.Fatal(err)
			}
		}
	})
}
