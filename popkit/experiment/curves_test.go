package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/eval"
	"github.com/poprlhf/sandbox/popkit/policy"
	"github.com/poprlhf/sandbox/popkit/synth"
	"github.com/poprlhf/sandbox/popkit/train"
)

// tinyTrain is the tiny training configuration of the runner tests, with steps preference
// steps.
func tinyTrain(steps int) train.Config {
	return train.Config{
		Policy:    policy.Config{EmbedDim: 32, NumLayers: 1, NumHeads: 2, MaxLen: 64},
		Limits:    policy.Limits{MaxLen: 64, MaxPromptLen: 24},
		BatchSize: 4, SFTSteps: 3, PreferenceSteps: steps,
	}
}

// withDeadline runs f and fails the test when it has not returned within limit.
func withDeadline(t *testing.T, limit time.Duration, f func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(limit):
		t.Fatalf("did not finish within %s: training hangs", limit)
	}
}

func TestCurvesReplaceAndRoundTrip(t *testing.T) {
	c := NewCurves()
	c.Add(CurveRow{"dpo", 0, 0, "accuracy", 0.5}, CurveRow{"dpo", 0, 2, "accuracy", 0.6},
		CurveRow{"pop", 1, 2, "kl", math.NaN()})
	c.Add(CurveRow{"dpo", 0, 2, "accuracy", 0.7}) // replaces step 2 of seed 0
	if got := len(c.Rows()); got != 3 {
		t.Fatalf("%d rows, want 3 (a re-added key replaces its row)", got)
	}
	path := filepath.Join(t.TempDir(), FileCurves)
	if err := c.WriteCurves(path); err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(path)
	want := "method,seed,step,metric,value\ndpo,0,0,accuracy,0.5\ndpo,0,2,accuracy,0.7\n" +
		"pop,1,2,kl,NaN\n"
	if string(text) != want {
		t.Errorf("file:\n%s\nwant:\n%s", text, want)
	}
	back, err := ReadCurves(path)
	if err != nil {
		t.Fatal(err)
	}
	rows := back.Rows()
	if len(rows) != 3 || rows[1] != (CurveRow{"dpo", 0, 2, "accuracy", 0.7}) ||
		!math.IsNaN(rows[2].Value) {
		t.Errorf("round trip gave %v", rows)
	}
}

func TestReadCurvesErrors(t *testing.T) {
	const header = "method,seed,step,metric,value\n"
	cases := []struct{ name, content, want string }{
		{"header", "method,metric,seed,step,value\n",
			":1: header [method metric seed step value]"},
		{"seed", header + "dpo,x,0,accuracy,0.5\n",
			`:2: field "seed": "x" is not a non-negative integer`},
		{"step", header + "dpo,0,-2,accuracy,0.5\n",
			`:2: field "step": "-2" is not a non-negative integer`},
		{"value", header + "dpo,0,2,accuracy,high\n",
			`:2: field "value": "high" is not a number`},
		{"columns", header + "dpo,0,2,accuracy\n", "wrong number of fields"},
	}
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), FileCurves)
		if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadCurves(path)
		if err == nil || !strings.Contains(err.Error(), c.want) ||
			!strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, want the path and %q", c.name, err, c.want)
		}
	}
}

func TestCurvesSummarizeAndFigure(t *testing.T) {
	c := NewCurves()
	// Accuracy of dpo at step 2 over seeds {0.5, 0.6, 0.7}: mean 0.6, sd 0.1, t_{0.975,2} =
	// 4.302652729911275, half width 0.1 * 4.302652729911275 / sqrt(3) = 0.248413771175033
	// (the derivation of TestSummarizeAndMarkdown).
	for seed, v := range []float64{0.5, 0.6, 0.7} {
		c.Add(CurveRow{"dpo", seed, 2, "accuracy", v}, CurveRow{"dpo", seed, 0, "accuracy", 0.5})
	}
	c.Add(CurveRow{"pop", 0, 2, "kl", 0.25}, CurveRow{"pop", 0, 0, "kl", 0})
	s := c.Summarize(0.95)
	if len(s) != 4 {
		t.Fatalf("Summarize gave %d points, want 4: %+v", len(s), s)
	}
	// Order: method, then metric, then step.
	got := [][2]any{}
	for _, p := range s {
		got = append(got, [2]any{p.Method + "/" + p.Metric, p.Step})
	}
	want := [][2]any{{"dpo/accuracy", 0}, {"dpo/accuracy", 2}, {"pop/kl", 0}, {"pop/kl", 2}}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	if p := s[1]; p.N != 3 || math.Abs(p.Mean-0.6) > 1e-12 ||
		math.Abs(p.High-0.6-0.248413771175033) > 1e-9 {
		t.Errorf("dpo accuracy at step 2: %+v", p)
	}
	if p := s[3]; p.N != 1 || p.Mean != 0.25 || !math.IsNaN(p.Low) {
		t.Errorf("pop kl at step 2 (one seed, no interval): %+v", p)
	}

	svg, err := CurveFigure(c, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "dpo", "pop", "accuracy (mean over seeds",
		"kl (mean over seeds", "preference step"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("figure lacks %q", want)
		}
	}
	if strings.Contains(string(svg), "win_rate") {
		t.Error("figure has a win_rate panel without win_rate rows")
	}
	only := NewCurves()
	only.Add(CurveRow{"dpo", 0, 0, eval.MetricGoldReward, 0.5})
	if _, err := CurveFigure(only, 0.95); err == nil ||
		!strings.Contains(err.Error(), "no curves of") {
		t.Errorf("figure without a drawable metric: error %v", err)
	}
}

// TestRunnerCurves trains two methods for 3 steps with CurveEvery 2 on a tiny synthetic world
// with a gold judge, and checks that each arm has every curve metric at steps 0, 2 and 3,
// that step 0 is the reference (h = 0 on every pair, so accuracy 1/2; the same samples as the
// reference's, so win rate 1/2 and KL about 0), and that the last point is the final
// evaluation of runs.csv.
func TestRunnerCurves(t *testing.T) {
	w, err := synth.Generate(synth.Config{Prompts: 40, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Seeds: 1, Methods: []dpo.Method{dpo.DPO, dpo.PoP}, CurveEvery: 2,
		Train: tinyTrain(3)}
	results, curves := NewResults(), NewCurves()
	runner := &Runner{Backend: b, Config: cfg,
		Emit:      func(rows []Row) error { results.Add(rows...); return nil },
		EmitCurve: func(rows []CurveRow) error { curves.Add(rows...); return nil }}
	withDeadline(t, 3*time.Minute, func() error {
		return runner.Run(context.Background(), WorldData(w, 2))
	})

	got := map[string][]int{} // method/metric -> steps
	for _, r := range curves.Rows() {
		k := r.Method + "/" + r.Metric
		got[k] = append(got[k], r.Step)
		switch {
		case r.Step == 0 && (r.Metric == "accuracy" || r.Metric == "win_rate"):
			if r.Value != 0.5 {
				t.Errorf("%+v: the reference's value is 0.5", r)
			}
		case r.Step == 0 && r.Metric == "kl":
			if math.Abs(r.Value) > 1e-3 {
				t.Errorf("%+v: the reference's KL to itself is about 0", r)
			}
		case r.Step == 3:
			for _, row := range results.Rows() {
				if row.Method == r.Method && row.Metric == r.Metric && row.Value != r.Value {
					t.Errorf("last point %+v differs from runs.csv's %g", r, row.Value)
				}
			}
		}
	}
	for _, m := range []string{"dpo", "pop"} {
		for _, metric := range CurveMetrics {
			if steps := got[m+"/"+metric]; !slices.Equal(steps, []int{0, 2, 3}) {
				t.Errorf("%s %s: points at steps %v, want [0 2 3]", m, metric, steps)
			}
		}
	}
}

// TestRunToDirCurves runs one method on a JSONL file (no gold judge) with curves, checks
// curves.csv and curves.svg, that a second run resumes without changing them, and that
// another CurveEvery in the same directory is refused.
func TestRunToDirCurves(t *testing.T) {
	w, err := synth.Generate(synth.Config{Prompts: 30, Seed: 10})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var jsonl []byte
	for _, p := range w.Pairs {
		line, _ := json.Marshal(map[string]any{"prompt": p.Prompt, "chosen": p.Chosen,
			"rejected": p.Rejected, "score_chosen": p.ScoreChosen,
			"score_rejected": p.ScoreRejected})
		jsonl = append(append(jsonl, line...), '\n')
	}
	data := filepath.Join(dir, "pairs.jsonl")
	if err := os.WriteFile(data, jsonl, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	cfg := Config{Data: data, Seeds: 1, Methods: []dpo.Method{dpo.DPO}, CurveEvery: 2,
		Train: tinyTrain(3)}
	var files [2]string
	for k := range files {
		withDeadline(t, 2*time.Minute, func() error {
			_, err := RunToDir(context.Background(), b, cfg, out, nil)
			return err
		})
		text, err := os.ReadFile(filepath.Join(out, FileCurves))
		if err != nil {
			t.Fatal(err)
		}
		files[k] = string(text)
	}
	if files[0] != files[1] {
		t.Errorf("resumed run changed curves.csv:\n%s\nthen\n%s", files[0], files[1])
	}
	curves, err := ReadCurves(filepath.Join(out, FileCurves))
	if err != nil {
		t.Fatal(err)
	}
	var steps []int
	for _, r := range curves.Rows() {
		if r.Method != "dpo" || r.Metric != "accuracy" {
			t.Errorf("unexpected row %+v (no judge: accuracy only)", r)
		}
		steps = append(steps, r.Step)
	}
	if !slices.Equal(steps, []int{0, 2, 3}) {
		t.Errorf("accuracy at steps %v, want [0 2 3]", steps)
	}
	svg, err := os.ReadFile(filepath.Join(out, FileCurvesFigure))
	if err != nil || !strings.Contains(string(svg), "<svg") {
		t.Errorf("curves.svg: %v, not an SVG", err)
	}

	cfg.CurveEvery = 1
	_, err = RunToDir(context.Background(), b, cfg, out, nil)
	if err == nil || !strings.Contains(err.Error(), "holds a run with another setup") {
		t.Errorf("another CurveEvery in the same directory: error %v", err)
	}
}

// ExampleCurves_Summarize averages the accuracy curve of one method over two seeds.
func ExampleCurves_Summarize() {
	c := NewCurves()
	c.Add(CurveRow{Method: "dpo", Seed: 0, Step: 0, Metric: "accuracy", Value: 0.5},
		CurveRow{Method: "dpo", Seed: 1, Step: 0, Metric: "accuracy", Value: 0.5},
		CurveRow{Method: "dpo", Seed: 0, Step: 10, Metric: "accuracy", Value: 0.6},
		CurveRow{Method: "dpo", Seed: 1, Step: 10, Metric: "accuracy", Value: 0.7})
	for _, p := range c.Summarize(0.95) {
		fmt.Printf("%s %s step %d: mean %.2f over %d seeds\n", p.Method, p.Metric, p.Step,
			p.Mean, p.N)
	}
	// Output:
	// dpo accuracy step 0: mean 0.50 over 2 seeds
	// dpo accuracy step 10: mean 0.65 over 2 seeds
}
