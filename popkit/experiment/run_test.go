package experiment

import (
	"context"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute"
	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/pop"
	"github.com/poprlhf/sandbox/popkit/prefdata"
	"github.com/poprlhf/sandbox/popkit/synth"
	"github.com/poprlhf/sandbox/popkit/train"
)

func TestMain(m *testing.M) {
	if err := backend.WithFastExp(); err != nil {
		println("experiment tests:", err.Error())
	}
	os.Exit(m.Run())
}

// TestRunnerEmitsEveryCell runs all four methods for one seed on a small synthetic set with a
// tiny model, under a deadline, and checks the rows it emits and that Done cells are skipped.
func TestRunnerEmitsEveryCell(t *testing.T) {
	w, err := synth.Generate(synth.Config{Prompts: 60, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Seeds: 1, Train: tinyTrain(3)}
	results := NewResults()
	runner := &Runner{Backend: b, Config: cfg, Done: func(method string, _ int) bool {
		return method == dpo.Fixed.String() // pretend this cell was computed before
	}, Emit: func(rows []Row) error { results.Add(rows...); return nil }}

	withDeadline(t, 3*time.Minute, func() error {
		return runner.Run(context.Background(), WorldData(w, 6))
	})

	for _, m := range dpo.MainMethods() {
		if got, want := results.Done(m.String(), 0), m != dpo.Fixed; got != want {
			t.Errorf("method %s: done = %v, want %v", m, got, want)
		}
	}
	generative := 0
	for _, row := range results.Rows() {
		if row.Metric == "win_rate" {
			generative++
		}
	}
	if generative != 3 {
		t.Errorf("%d methods have a win rate, want 3 (the data has a gold judge)", generative)
	}
	for _, row := range results.Rows() {
		switch row.Metric {
		case "accuracy", "accuracy_weak", "accuracy_medium", "accuracy_strong",
			MetricPoPLabelAccuracy:
			if !(row.Value >= 0 && row.Value <= 1) {
				t.Errorf("%+v: not a share in [0, 1]", row)
			}
		case "win_rate", "gold_reward":
			if !(row.Value >= 0 && row.Value <= 1) {
				t.Errorf("%+v: not in [0, 1]", row)
			}
		case "kl", "length":
			if math.IsNaN(row.Value) || math.IsInf(row.Value, 0) {
				t.Errorf("%+v: not finite", row)
			}
		case "spearman", MetricPoPSpearman:
			if math.IsNaN(row.Value) || math.Abs(row.Value) > 1 {
				t.Errorf("%+v: not a correlation", row)
			}
		}
	}
	// Noiseless labels are all right; k = 1 still orders margins better than chance.
	for _, row := range results.Rows() {
		if row.Metric == MetricPoPLabelAccuracy && row.Value != 1 {
			t.Errorf("noiseless PoP label accuracy %g, want 1", row.Value)
		}
		if row.Metric == MetricPoPSpearman && !(row.Value > 0.2) {
			t.Errorf("PoP margin Spearman %g, want > 0.2", row.Value)
		}
		// With k = 1, each round of random partners is a perfect matching: every pair is
		// compared at least once.
		switch row.Metric {
		case MetricPoPTouchedWeak, MetricPoPTouchedMedium, MetricPoPTouchedStrong:
			if row.Value != 1 {
				t.Errorf("%s = %g with k = 1, want 1", row.Metric, row.Value)
			}
		}
	}
}

// TestRunnerControlAndStrategies runs DPO-PoP with the margin-0 control under both sampling
// strategies and checks that each arm is trained and evaluated on the pairs it should see.
func TestRunnerControlAndStrategies(t *testing.T) {
	w, err := synth.Generate(synth.Config{Prompts: 40, Seed: 6})
	if err != nil {
		t.Fatal(err)
	}
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, strategy := range []pop.Strategy{pop.Random, pop.Iterative} {
		cfg := Config{Seeds: 1, Methods: []dpo.Method{dpo.PoP}, Control: true, Strategy: strategy,
			PoP: pop.SimConfig{K: 2}, Train: tinyTrain(2)}
		results, logs, err := runLogged(t, b, cfg, Data{Name: "s", Train: w.Pairs})
		if err != nil {
			t.Fatalf("%s: %v", strategy, err)
		}
		if !results.Done(ControlName, 0) || !results.Done("pop", 0) {
			t.Errorf("%s: control or pop missing: %v", strategy, results.Rows())
		}
		// 32 training pairs (40 less the 20% held out), K = 2: random trains on the winners of
		// 32 comparisons, iterative on every pair once.
		want := map[pop.Strategy]string{pop.Random: "pairs=32", pop.Iterative: "pairs=32"}
		for _, name := range []string{"pop", ControlName} {
			line := "msg=training method=" + name + " seed=0 " + want[strategy]
			if !strings.Contains(logs, line) {
				t.Errorf("%s: log lacks %q:\n%s", strategy, line, logs)
			}
		}
	}
}

// TestRunnerJointInference runs DPO-PoP with margins learned jointly with DPO (online and
// implicit) and checks that both train on every training pair and are evaluated.
func TestRunnerJointInference(t *testing.T) {
	w, err := synth.Generate(synth.Config{Prompts: 40, Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, inf := range []train.Inference{train.Online, train.Implicit} {
		cfg := Config{Seeds: 1, Methods: []dpo.Method{dpo.PoP}, Inference: inf,
			PoP: pop.SimConfig{K: 1}, Train: tinyTrain(2)}
		results, logs, err := runLogged(t, b, cfg, Data{Name: "s", Train: w.Pairs})
		if err != nil {
			t.Fatalf("%s: %v", inf, err)
		}
		if !results.Done("pop", 0) {
			t.Errorf("%s: pop not evaluated", inf)
		}
		learned := 0
		for _, row := range results.Rows() {
			if row.Metric == MetricPoPLearnedSpearman {
				learned++
				if !(row.Value >= -1 && row.Value <= 1) {
					t.Errorf("%s: %+v is not a correlation", inf, row)
				}
			}
		}
		if learned != 1 {
			t.Errorf("%s: %d rows of %s, want 1", inf, learned, MetricPoPLearnedSpearman)
		}
		// K = 1 random winners would be 16 pairs; the joint variants see all 32.
		if line := "msg=training method=pop seed=0 pairs=32"; !strings.Contains(logs, line) {
			t.Errorf("%s: log lacks %q:\n%s", inf, line, logs)
		}
	}
}

// TestRunnerOwnLabels trains DPO-PoP from a label file: noiseless labels written with
// pop.WriteLabels over the pairs' ids, of which the runner keeps those between training pairs.
func TestRunnerOwnLabels(t *testing.T) {
	w, err := synth.Generate(synth.Config{Prompts: 40, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(w.Pairs))
	for i, p := range w.Pairs {
		ids[i] = p.ID
	}
	comps, err := pop.SimulateRandom(prefdata.Margins(w.Pairs), pop.SimConfig{K: 4},
		rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	if err := pop.WriteLabels(&buf, comps, ids); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "labels.csv")
	if err := os.WriteFile(path, []byte(buf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Seeds: 1, Methods: []dpo.Method{dpo.PoP}, Labels: path, Train: tinyTrain(2)}
	results, logs, err := runLogged(t, b, cfg, Data{Name: "s", Train: w.Pairs})
	if err != nil {
		t.Fatal(err)
	}
	// Every training pair once (32 of 40), and the labels came from the true margins.
	if line := "msg=training method=pop seed=0 pairs=32"; !strings.Contains(logs, line) {
		t.Errorf("log lacks %q:\n%s", line, logs)
	}
	for _, row := range results.Rows() {
		if row.Metric == MetricPoPLabelAccuracy && row.Value != 1 {
			t.Errorf("label accuracy %g, want 1 for labels drawn from the margins", row.Value)
		}
	}

	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("stronger,weaker\nsynth-0,nope\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Labels = bad
	_, _, err = runLogged(t, b, cfg, Data{Name: "s", Train: w.Pairs})
	if err == nil || !strings.Contains(err.Error(), bad+":2") ||
		!strings.Contains(err.Error(), "weaker") {
		t.Errorf("error %v, want the file, line 2 and field weaker", err)
	}
}

// runLogged runs cfg on data under a 3-minute deadline and returns the rows it emitted, its
// text log and its error.
func runLogged(t *testing.T, b compute.Backend, cfg Config, data Data) (*Results, string,
	error) {
	t.Helper()
	var logs strings.Builder
	results := NewResults()
	runner := &Runner{Backend: b, Config: cfg, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Emit: func(rows []Row) error { results.Add(rows...); return nil }}
	var runErr error
	withDeadline(t, 3*time.Minute, func() error {
		runErr = runner.Run(context.Background(), data)
		return nil
	})
	return results, logs.String(), runErr
}
