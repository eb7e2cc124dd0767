package train

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/policy"
	"github.com/poprlhf/sandbox/popkit/pop"
	"github.com/poprlhf/sandbox/popkit/synth"
)

// TestEvalHookCadence checks the steps at which OnEval is called: every EvalEvery-th step and
// the last, each once.
func TestEvalHookCadence(t *testing.T) {
	cases := []struct {
		every, steps int
		want         []int // multiples of every up to steps, then steps if not among them
	}{
		{every: 2, steps: 5, want: []int{2, 4, 5}},
		{every: 2, steps: 6, want: []int{2, 4, 6}},
		{every: 1, steps: 3, want: []int{1, 2, 3}},
		{every: 5, steps: 5, want: []int{5}},
		{every: 7, steps: 5, want: []int{5}},
		{every: 0, steps: 5, want: nil},
	}
	for _, c := range cases {
		var got []int
		cfg := Config{EvalEvery: c.every, OnEval: func(step int, _ *Model) error {
			got = append(got, step)
			return nil
		}}
		if hook := cfg.evalHook(&Model{}); hook != nil {
			for s := 1; s <= c.steps; s++ {
				if err := hook(s, c.steps); err != nil {
					t.Fatal(err)
				}
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("every %d of %d steps: calls at %v, want %v", c.every, c.steps, got, c.want)
		}
	}
	if (Config{EvalEvery: 3}).evalHook(&Model{}) != nil {
		t.Error("EvalEvery without OnEval: want no hook")
	}
}

func TestEvalEveryValidate(t *testing.T) {
	err := Config{EvalEvery: -1}.Validate()
	want := "train: EvalEvery must be >= 0 (0: never), got -1"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

// TestEvalHookLeavesTrainingUnchanged trains each way (Preference, and PreferenceJoint online
// and implicit) with and without an OnEval that scores and samples the policy in training,
// and expects bit-identical log-probs of the final policies, and the hook called at steps 2,
// 4 and 5 of 5.
func TestEvalHookLeavesTrainingUnchanged(t *testing.T) {
	cfg := tinyConfig(11)
	cfg.SFTSteps = 2
	cfg.PreferenceSteps = 5
	b := testBackend(t)
	comps := []pop.Comparison{{Stronger: 0, Weaker: 1}, {Stronger: 2, Weaker: 3},
		{Stronger: 4, Weaker: 5, Tie: true}, {Stronger: 6, Weaker: 7}}
	deadline(t, 2*time.Minute, func() {
		ref, data := jointFixture(t, b, 8, cfg)
		data.Offsets = []float64{0, 0.5, 1, 1.5, 2, 0, 1, 3}
		prompts := []string{data.Pairs[0].Prompt, data.Pairs[1].Prompt}
		for _, inf := range []Inference{Offline, Online, Implicit} {
			var final [2][]float64
			var calls []int
			for k := range final {
				c := cfg
				if k == 1 {
					c.EvalEvery = 2
					c.OnEval = func(step int, m *Model) error {
						calls = append(calls, step)
						if _, _, err := m.LogProbs(b, data.Pairs, 3); err != nil {
							return err
						}
						_, err := m.Generate(b, prompts, SampleConfig{MaxNewTokens: 4})
						return err
					}
				}
				pol, _, err := PreferenceJoint(context.Background(), b, ref, data, comps,
					pop.Scale{Mean: 1, Std: 1}, JointConfig{Inference: inf}, c)
				if err != nil {
					t.Errorf("%s: %v", inf, err)
					return
				}
				if final[k], _, err = pol.LogProbs(b, data.Pairs, 8); err != nil {
					t.Errorf("%s: %v", inf, err)
					return
				}
			}
			if !slices.Equal(final[0], final[1]) {
				t.Errorf("%s: log-probs %v without the hook, %v with it", inf, final[0],
					final[1])
			}
			if !slices.Equal(calls, []int{2, 4, 5}) {
				t.Errorf("%s: hook called at %v, want [2 4 5]", inf, calls)
			}
		}
	})
}

// TestEvalHookErrorStops checks that an error of OnEval stops training at that step and is
// returned wrapped.
func TestEvalHookErrorStops(t *testing.T) {
	cfg := tinyConfig(12)
	cfg.SFTSteps = 2
	cfg.PreferenceSteps = 6
	b := testBackend(t)
	errStop := errors.New("stop here")
	deadline(t, time.Minute, func() {
		ref, data := jointFixture(t, b, 4, cfg)
		data.Offsets = make([]float64, 4)
		steps := 0
		cfg.Progress = func(p Progress) { steps = p.Step }
		cfg.EvalEvery = 3
		cfg.OnEval = func(step int, _ *Model) error { return errStop }
		_, err := Preference(context.Background(), b, ref, data, cfg)
		want := "train: preference: evaluation after step 3: stop here"
		if !errors.Is(err, errStop) || err.Error() != want {
			t.Errorf("error %v, want %q wrapping the hook's", err, want)
		}
		if steps != 3 {
			t.Errorf("training went on to step %d, want a stop after step 3", steps)
		}
	})
}

// ExampleConfig_evalEvery trains a tiny policy for 10 steps and looks at it after every 4th
// step and after the last, as a training curve would.
func ExampleConfig_evalEvery() {
	w, _ := synth.Generate(synth.Config{Prompts: 8, Seed: 1})
	b, _ := backend.New()
	cfg := Config{
		Policy: policy.Config{EmbedDim: 16, NumLayers: 1, NumHeads: 2, MaxLen: 32},
		Limits: policy.Limits{MaxLen: 32, MaxPromptLen: 16}, BatchSize: 2, SFTSteps: 1,
		PreferenceSteps: 10, EvalEvery: 4,
	}
	ref, _ := Reference(context.Background(), b, w.Pairs, cfg)
	refC, refR, _ := ref.LogProbs(b, w.Pairs, 0)
	cfg.OnEval = func(step int, m *Model) error {
		_, _, err := m.LogProbs(b, w.Pairs[:2], 0) // e.g. held-out accuracy
		fmt.Println("evaluated after step", step)
		return err
	}
	data := Pairs{Pairs: w.Pairs, RefChosen: refC, RefRejected: refR,
		Offsets: make([]float64, len(w.Pairs))}
	if _, err := Preference(context.Background(), b, ref, data, cfg); err != nil {
		fmt.Println(err)
	}
	// Output:
	// evaluated after step 4
	// evaluated after step 8
	// evaluated after step 10
}
