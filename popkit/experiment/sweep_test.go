package experiment

import (
	"context"
	"log/slog"
	"maps"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/pop"
	"github.com/poprlhf/sandbox/popkit/synth"
)

// TestSweepSharesReferenceAndStore runs a sweep of two variants, then a second sweep that
// adds a third, on one store, and checks the labels of the rows, that every arm is trained
// once per seed and that a finished store trains nothing.
func TestSweepSharesReferenceAndStore(t *testing.T) {
	w, err := synth.Generate(synth.Config{Prompts: 40, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	data, root := WorldData(w, 4), t.TempDir()
	base := Config{Seeds: 1, Train: tinyTrain(2)}
	first := []Variant{
		{Methods: []dpo.Method{dpo.DPO, dpo.PoP}},
		{Name: "k=2", Methods: []dpo.Method{dpo.PoP}, PoP: pop.SimConfig{K: 2}},
	}
	// sweep runs variants and returns the labels of the rows and the log.
	sweep := func(variants []Variant) (map[string]int, string) {
		var logs strings.Builder
		logger := slog.New(slog.NewTextHandler(&logs, nil))
		var res *Results
		withDeadline(t, 2*time.Minute, func() error {
			var err error
			res, _, err = Sweep(context.Background(), b, base, variants, data, root, logger)
			return err
		})
		accuracies := map[string]int{}
		for _, row := range res.Rows() {
			if row.Metric == "accuracy" {
				accuracies[row.Method]++
			}
		}
		return accuracies, logs.String()
	}

	got, logs := sweep(first)
	want := map[string]int{"dpo": 1, "pop": 1, "pop (k=2)": 1}
	if !maps.Equal(got, want) {
		t.Errorf("first sweep: accuracy rows per label %v, want %v", got, want)
	}
	if n := strings.Count(logs, `msg="training reference"`); n != 1 {
		t.Errorf("first sweep trained %d references for one seed, want 1\n%s", n, logs)
	}
	if n := strings.Count(logs, "msg=training "); n != 3 {
		t.Errorf("first sweep trained %d arms, want 3 (dpo, pop, pop k=2)\n%s", n, logs)
	}

	// The same sweep again: everything is in the store.
	if _, logs := sweep(first); strings.Contains(logs, "msg=training") {
		t.Errorf("second sweep trained again:\n%s", logs)
	}

	// A new variant next to an old one: only the new arm is trained.
	got, logs = sweep([]Variant{first[0], {Name: "flip", Methods: []dpo.Method{dpo.PoP},
		PoP: pop.SimConfig{Noise: pop.FlipNoise(0.2)}}})
	want = map[string]int{"dpo": 1, "pop": 1, "pop (flip)": 1}
	if !maps.Equal(got, want) {
		t.Errorf("third sweep: accuracy rows per label %v, want %v", got, want)
	}
	if n := strings.Count(logs, "msg=training "); n != 1 ||
		!strings.Contains(logs, "msg=training method=pop") {
		t.Errorf("third sweep trained %d arms, want only the flip-noise pop\n%s", n, logs)
	}

	// Another training setup lives in another store.
	other := base
	other.Train.PreferenceSteps = 3
	d1, err := StoreDir(root, base)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := StoreDir(root, other)
	if err != nil {
		t.Fatal(err)
	}
	if d1 == d2 {
		t.Errorf("two training setups share the store %s", d1)
	}
	if _, err := os.Stat(d1); err != nil {
		t.Errorf("store of the sweeps: %v", err)
	}
}

func TestSweepErrors(t *testing.T) {
	w, err := synth.Generate(synth.Config{Prompts: 40, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	base := Config{Seeds: 1, Train: tinyTrain(2)}
	for _, tc := range []struct {
		name     string
		variants []Variant
		want     string
	}{
		{"none", nil, "at least one variant"},
		{"bad k", []Variant{{Name: "neg", PoP: pop.SimConfig{K: -1}}}, `variant "neg"`},
	} {
		_, _, err := Sweep(context.Background(), nil, base, tc.variants, WorldData(w, 4),
			t.TempDir(), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
