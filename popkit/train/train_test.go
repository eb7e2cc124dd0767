package train

import (
	"context"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute"

	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/policy"
	"github.com/poprlhf/sandbox/popkit/prefdata"
	"github.com/poprlhf/sandbox/popkit/synth"
)

func TestMain(m *testing.M) {
	if err := backend.WithFastExp(); err != nil {
		println("train tests:", err.Error())
	}
	os.Exit(m.Run())
}

// deadline runs f and fails the test if it has not returned after limit: a hung training graph
// (such as the deadlock of the Go backend's parallel ops on a bounded pool) fails instead of
// blocking the test binary.
func deadline(t *testing.T, limit time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("did not finish within %s: training hangs", limit)
	}
}

// tinyConfig is a configuration small enough to train in seconds.
func tinyConfig(seed uint64) Config {
	return Config{
		Policy:          policy.Config{EmbedDim: 32, NumLayers: 1, NumHeads: 2, MaxLen: 64},
		Limits:          policy.Limits{MaxLen: 64, MaxPromptLen: 24},
		BatchSize:       4,
		SFTSteps:        30,
		PreferenceSteps: 20,
		Seed:            seed,
	}
}

func tinyPairs(t *testing.T) []prefdata.Pair {
	t.Helper()
	w, err := synth.Generate(synth.Config{Prompts: 48, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	return w.Pairs
}

func testBackend(t *testing.T) compute.Backend {
	t.Helper()
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// TestReferenceThenPreference trains a tiny reference and a DPO policy from it, under a
// deadline, and checks what training must do: SFT lowers the loss, log-probs are finite and
// negative, DPO raises the mean implicit margin on its training pairs, and the reference is
// left untouched.
func TestReferenceThenPreference(t *testing.T) {
	b := testBackend(t)
	pairs := tinyPairs(t)
	cfg := tinyConfig(1)
	var sftLoss []float64
	cfg.Progress = func(p Progress) {
		if p.Stage == "sft" {
			sftLoss = append(sftLoss, p.Loss)
		}
	}
	deadline(t, 3*time.Minute, func() {
		ref, err := Reference(context.Background(), b, pairs, cfg)
		if err != nil {
			t.Error(err)
			return
		}
		if first, last := mean(sftLoss[:5]), mean(sftLoss[len(sftLoss)-5:]); !(last < first) {
			t.Errorf("SFT loss did not fall: first steps %.3f, last steps %.3f", first, last)
		}
		refC, refR, err := ref.LogProbs(b, pairs, 8)
		if err != nil {
			t.Error(err)
			return
		}
		for i := range refC {
			if !(refC[i] < 0) || !(refR[i] < 0) || math.IsInf(refC[i], 0) || math.IsInf(refR[i], 0) {
				t.Fatalf("pair %d: log-probs %g, %g are not finite and negative", i, refC[i], refR[i])
			}
		}

		offsets, _ := dpo.Config{}.Offsets(dpo.DPO, len(pairs), nil, nil)
		cfg.PreferenceLearningRate = 1e-3
		pol, err := Preference(context.Background(), b, ref,
			Pairs{Pairs: pairs, RefChosen: refC, RefRejected: refR, Offsets: offsets}, cfg)
		if err != nil {
			t.Error(err)
			return
		}
		pc, pr, err := pol.LogProbs(b, pairs, 8)
		if err != nil {
			t.Error(err)
			return
		}
		margins := make([]float64, len(pairs))
		for i := range margins {
			margins[i] = (pc[i] - refC[i]) - (pr[i] - refR[i])
		}
		if m := mean(margins); !(m > 0) {
			t.Errorf("mean log-ratio margin after DPO is %g, want > 0", m)
		}

		again, _, err := ref.LogProbs(b, pairs, 8)
		if err != nil {
			t.Error(err)
			return
		}
		for i := range again {
			if again[i] != refC[i] {
				t.Fatalf("reference changed by preference training: pair %d %g -> %g",
					i, refC[i], again[i])
			}
		}
	})
}

// TestDeterministic trains twice with one seed and expects bit-identical log-probs.
func TestDeterministic(t *testing.T) {
	b := testBackend(t)
	pairs := tinyPairs(t)[:16]
	cfg := tinyConfig(3)
	cfg.SFTSteps = 5
	var runs [2][]float64
	deadline(t, 2*time.Minute, func() {
		for k := range runs {
			ref, err := Reference(context.Background(), b, pairs, cfg)
			if err != nil {
				t.Error(err)
				return
			}
			if runs[k], _, err = ref.LogProbs(b, pairs, 8); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for i := range runs[0] {
		if runs[0][i] != runs[1][i] {
			t.Fatalf("pair %d: %g then %g with the same seed", i, runs[0][i], runs[1][i])
		}
	}
}

func TestClonePolicyKeepsOnlyPolicyWeights(t *testing.T) {
	b := testBackend(t)
	pairs := tinyPairs(t)[:8]
	cfg := tinyConfig(2)
	cfg.SFTSteps = 2
	deadline(t, time.Minute, func() {
		ref, err := Reference(context.Background(), b, pairs, cfg)
		if err != nil {
			t.Error(err)
			return
		}
		clone, err := ref.clonePolicy()
		if err != nil {
			t.Error(err)
			return
		}
		n := 0
		for v := range clone.Store.IterVariables() {
			n++
			if !strings.HasPrefix(v.Scope(), "/"+PolicyScope) {
				t.Errorf("clone keeps %s", v.Path())
			}
		}
		if n == 0 {
			t.Error("clone has no variables")
		}
	})
}

// TestNonFiniteLossStops checks that a NaN offset stops training at once with ErrNonFinite.
func TestNonFiniteLossStops(t *testing.T) {
	b := testBackend(t)
	pairs := tinyPairs(t)[:8]
	cfg := tinyConfig(4)
	cfg.SFTSteps = 2
	deadline(t, time.Minute, func() {
		ref, err := Reference(context.Background(), b, pairs, cfg)
		if err != nil {
			t.Error(err)
			return
		}
		n := len(pairs)
		nan := make([]float64, n)
		for i := range nan {
			nan[i] = math.NaN()
		}
		zeros := make([]float64, n)
		_, err = Preference(context.Background(), b, ref,
			Pairs{Pairs: pairs, RefChosen: zeros, RefRejected: zeros, Offsets: nan}, cfg)
		if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "preference step 1") {
			t.Errorf("error %v, want ErrNonFinite at preference step 1", err)
		}
	})
}

func TestPreferenceInputErrors(t *testing.T) {
	pairs := make([]prefdata.Pair, 2)
	ref := &Model{}
	_, err := Preference(context.Background(), nil, ref,
		Pairs{Pairs: pairs, RefChosen: []float64{0}, RefRejected: []float64{0, 0},
			Offsets: []float64{0, 0}}, Config{})
	want := "train: 2 pairs but 1 reference chosen, 2 reference rejected and 2 offsets"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	if _, err := Reference(context.Background(), nil, nil, Config{}); err == nil {
		t.Error("Reference with no pairs: no error")
	}
	if err := (Config{BatchSize: -1}).Validate(); err == nil {
		t.Error("negative batch size: no error")
	}
}

func TestBucketLength(t *testing.T) {
	cases := []struct{ n, maxLen, want int }{
		{1, 256, 32}, {32, 256, 32}, {33, 256, 64}, {250, 256, 256}, {70, 64, 64},
	}
	for _, c := range cases {
		if got := bucketLength(c.n, c.maxLen); got != c.want {
			t.Errorf("bucketLength(%d, %d) = %d, want %d", c.n, c.maxLen, got, c.want)
		}
	}
}
