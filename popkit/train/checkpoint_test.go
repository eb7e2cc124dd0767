package train

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/poprlhf/sandbox/popkit/pop"
)

// interrupted runs train with a Progress callback that cancels its context after stopAt
// steps of stage; the run must stop with context.Canceled.
func interrupted(t *testing.T, stage string, stopAt int, cfg Config,
	train func(ctx context.Context, cfg Config) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg.Progress = func(p Progress) {
		if strings.HasPrefix(p.Stage, stage) && p.Step == stopAt {
			cancel()
		}
	}
	if err := train(ctx, cfg); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: error %v, want context.Canceled", err)
	}
}

// checkpointSteps returns the steps of the checkpoints in dir.
func checkpointSteps(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestCheckpointResumeIsExact interrupts each kind of training run after step 3 (after a
// checkpoint at step 2, so the resumed run repeats step 3) and resumes it from its checkpoint
// directory: the resumed policy's log-probs must equal, bit for bit, those of a run never
// interrupted. This holds only if the optimiser state, the step counter and the batch order
// are all restored.
func TestCheckpointResumeIsExact(t *testing.T) {
	cfg := tinyConfig(21)
	cfg.SFTSteps = 5
	cfg.PreferenceSteps = 5
	b := testBackend(t)
	comps := []pop.Comparison{{Stronger: 0, Weaker: 1}, {Stronger: 2, Weaker: 3},
		{Stronger: 4, Weaker: 5, Tie: true}, {Stronger: 6, Weaker: 7}}
	deadline(t, 3*time.Minute, func() {
		ref, data := jointFixture(t, b, 8, cfg)
		data.Offsets = []float64{0, 0.5, 1, 1.5, 2, 0, 1, 3}
		scores := func(m *Model) []float64 {
			c, r, err := m.LogProbs(b, data.Pairs, 8)
			if err != nil {
				t.Fatal(err)
			}
			return append(c, r...)
		}
		runs := map[string]func(ctx context.Context, cfg Config) (*Model, error){
			"sft": func(ctx context.Context, cfg Config) (*Model, error) {
				return Reference(ctx, b, data.Pairs, cfg)
			},
			"preference": func(ctx context.Context, cfg Config) (*Model, error) {
				return Preference(ctx, b, ref, data, cfg)
			},
		}
		for _, inf := range []Inference{Online, Implicit} {
			runs["preference ("+inf.String()+")"] = func(ctx context.Context, cfg Config) (
				*Model, error) {
				m, _, err := PreferenceJoint(ctx, b, ref, data, comps,
					pop.Scale{Mean: 1, Std: 1}, JointConfig{Inference: inf}, cfg)
				return m, err
			}
		}
		for stage, run := range runs {
			whole, err := run(context.Background(), cfg)
			if err != nil {
				t.Fatalf("%s: %v", stage, err)
			}
			want := scores(whole)

			c := cfg
			c.Checkpoint = Checkpoint{Dir: filepath.Join(t.TempDir(), "ckpt"), Every: 2}
			interrupted(t, stage, 3, c, func(ctx context.Context, cfg Config) error {
				_, err := run(ctx, cfg)
				return err
			})
			if got := checkpointSteps(t, c.Checkpoint.Dir); !slices.Equal(got,
				[]string{"step-00000002"}) {
				t.Errorf("%s: checkpoints %v after the interruption, want [step-00000002]",
					stage, got)
			}
			var resumedSteps []int
			c.Progress = func(p Progress) { resumedSteps = append(resumedSteps, p.Step) }
			resumed, err := run(context.Background(), c)
			if err != nil {
				t.Fatalf("%s, resumed: %v", stage, err)
			}
			if !slices.Equal(resumedSteps, []int{3, 4, 5}) {
				t.Errorf("%s: resumed run trained steps %v, want [3 4 5]", stage, resumedSteps)
			}
			if got := scores(resumed); !slices.Equal(got, want) {
				t.Errorf("%s: resumed log-probs %v, want %v", stage, got, want)
			}

			// The finished run saved its last step: started again, it trains nothing and
			// returns the same policy.
			resumedSteps = nil
			again, err := run(context.Background(), c)
			if err != nil {
				t.Fatalf("%s, finished: %v", stage, err)
			}
			if len(resumedSteps) != 0 {
				t.Errorf("%s: a finished run trained steps %v again", stage, resumedSteps)
			}
			if got := scores(again); !slices.Equal(got, want) {
				t.Errorf("%s: reloaded final log-probs %v, want %v", stage, got, want)
			}
		}
	})
}

// TestCheckpointIgnoresInterruptedSave checks that a temporary directory left by a save that
// was killed midway is neither loaded nor kept, and that a checkpoint with more steps than the
// run is refused.
func TestCheckpointIgnoresInterruptedSave(t *testing.T) {
	cfg := tinyConfig(22)
	cfg.SFTSteps = 3
	b := testBackend(t)
	deadline(t, time.Minute, func() {
		pairs := tinyPairs(t)[:8]
		dir := filepath.Join(t.TempDir(), "ckpt")
		junk := filepath.Join(dir, ".tmp-123")
		if err := os.MkdirAll(junk, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(junk, "checkpoint-n0000001-x-step-00000009.json"),
			[]byte("{trunc"), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg.Checkpoint = Checkpoint{Dir: dir, Every: 1}
		if _, err := Reference(context.Background(), b, pairs, cfg); err != nil {
			t.Fatal(err)
		}
		if got := checkpointSteps(t, dir); !slices.Equal(got, []string{"step-00000003"}) {
			t.Errorf("checkpoints %v, want only [step-00000003]", got)
		}
		cfg.SFTSteps = 2
		_, err := Reference(context.Background(), b, pairs, cfg)
		if err == nil || !strings.Contains(err.Error(), "holds 3 steps, more than the 2") {
			t.Errorf("error %v, want a refusal of a checkpoint with more steps", err)
		}
	})
}

// TestNonFiniteKeepsLastCheckpoint trains with learning rates so large that the weights
// overflow: the run must stop with ErrNonFinite naming the step and the batch, and the last
// checkpoint on disk must be the last step whose loss and weights were finite.
func TestNonFiniteKeepsLastCheckpoint(t *testing.T) {
	cases := []struct {
		lr   float64
		bad  int    // the step that fails
		want string // in the error
		kept []string
	}{
		// Adam moves every weight by about the learning rate per step: after step 1 with
		// 1e37 the weights are near the float32 limit (3.4e38), so the forward pass of
		// step 2 overflows and its loss is NaN; step 1's checkpoint stays.
		{1e37, 2, "preference step 2 has loss NaN on the batch of pairs [", []string{
			"step-00000001"}},
		// 1e39 is infinite in float32: step 1's loss (computed before the update) is
		// finite, but its update makes the weights infinite or NaN (Inf*0), which the
		// weight check catches at step 1 itself.
		{1e39, 1, "preference step 1 (loss ", nil},
	}
	b := testBackend(t)
	for _, c := range cases {
		cfg := tinyConfig(23)
		cfg.SFTSteps = 2
		cfg.PreferenceSteps = 20
		cfg.PreferenceLearningRate = c.lr
		deadline(t, time.Minute, func() {
			ref, data := jointFixture(t, b, 8, cfg)
			data.Offsets = make([]float64, 8)
			dir := filepath.Join(t.TempDir(), "ckpt")
			cfg.Checkpoint = Checkpoint{Dir: dir, Every: 1}
			_, err := Preference(context.Background(), b, ref, data, cfg)
			if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("lr %g: error %v, want ErrNonFinite with %q", c.lr, err, c.want)
			}
			if c.bad == 1 && !strings.Contains(err.Error(), "left variable /policy/") {
				t.Errorf("lr %g: error %v does not name the variable", c.lr, err)
			}
			if got := checkpointSteps(t, dir); !slices.Equal(got, c.kept) {
				t.Errorf("lr %g: checkpoints %v, want %v (the last good step)", c.lr, got,
					c.kept)
			}
		})
	}
}

// TestNonFiniteVariable checks the weight check on a store holding a NaN, an infinity and
// only finite values.
func TestNonFiniteVariable(t *testing.T) {
	for _, c := range []struct {
		values []float32
		want   string
	}{
		{[]float32{1, 2, 3}, ""},
		{[]float32{1, float32(math.NaN()), 3}, "/policy/w"},
		{[]float32{float32(math.Inf(-1))}, "/policy/w"},
	} {
		store := model.NewStore()
		if _, err := store.CreateVariable("/policy/w", tensors.FromValue(c.values)); err != nil {
			t.Fatal(err)
		}
		frozen, err := store.CreateVariable("/frozen", tensors.FromValue([]float32{
			float32(math.NaN())}))
		if err != nil {
			t.Fatal(err)
		}
		frozen.SetTrainable(false) // not trained: not checked
		got, err := nonFiniteVariable(store)
		if err != nil || got != c.want {
			t.Errorf("%v: got %q, %v; want %q", c.values, got, err, c.want)
		}
	}
}

func TestCheckpointValidate(t *testing.T) {
	err := Config{Checkpoint: Checkpoint{Every: -1}}.Validate()
	if err == nil || !strings.Contains(err.Error(), "Checkpoint.Every must be >= 0") {
		t.Errorf("error %v, want a refusal of a negative Every", err)
	}
}
