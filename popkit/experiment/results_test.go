package experiment

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/train"
)

func TestResultsReplaceAndRoundTrip(t *testing.T) {
	r := NewResults()
	r.Add(Row{"dpo", "accuracy", 0, 0.5}, Row{"dpo", "accuracy", 1, 0.7},
		Row{"pop", "accuracy_strong", 0, math.NaN()})
	r.Add(Row{"dpo", "accuracy", 0, 0.6}) // replaces seed 0
	if got := len(r.Rows()); got != 3 {
		t.Fatalf("%d rows, want 3 (a re-added key replaces its row)", got)
	}
	if !r.Done("dpo", 1) || r.Done("pop", 0) || r.Done("gt", 0) {
		t.Error("Done: want only cells with an accuracy row done")
	}

	path := filepath.Join(t.TempDir(), FileRuns)
	if err := r.WriteRuns(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadRuns(path)
	if err != nil {
		t.Fatal(err)
	}
	rows := back.Rows()
	if len(rows) != 3 || rows[0] != (Row{"dpo", "accuracy", 0, 0.6}) ||
		!math.IsNaN(rows[2].Value) {
		t.Errorf("round trip gave %v", rows)
	}
}

func TestReadRunsErrors(t *testing.T) {
	cases := []struct{ name, content, want string }{
		{"header", "a,b,c,d\n", ":1: header [a b c d]"},
		{"seed", "method,metric,seed,value\ndpo,accuracy,x,0.5\n",
			`:2: field "seed": "x" is not a non-negative integer`},
		{"negative seed", "method,metric,seed,value\ndpo,accuracy,-1,0.5\n",
			`:2: field "seed": "-1" is not a non-negative integer`},
		{"empty method", "method,metric,seed,value\n,accuracy,0,0.5\n",
			`:2: field "method": empty, expected a name`},
		{"value", "method,metric,seed,value\ndpo,accuracy,0,high\n",
			`:2: field "value": "high" is not a number`},
		{"columns", "method,metric,seed,value\ndpo,accuracy,0\n", "wrong number of fields"},
	}
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), "runs.csv")
		if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadRuns(path)
		if err == nil || !strings.Contains(err.Error(), c.want) ||
			!strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, want the path and %q", c.name, err, c.want)
		}
	}
}

func TestSummarizeAndMarkdown(t *testing.T) {
	r := NewResults()
	// Accuracy of dpo over seeds {0.5, 0.6, 0.7}: mean 0.6, sd 0.1, t_{0.975,2} =
	// 4.302652729911275, half width 0.1 * 4.302652729911275 / sqrt(3) = 0.248413771175033.
	for seed, v := range []float64{0.5, 0.6, 0.7} {
		r.Add(Row{"dpo", "accuracy", seed, v})
	}
	r.Add(Row{"pop", "accuracy", 0, 0.8})
	s := r.Summarize(0.95)
	if len(s) != 2 || s[0].Method != "dpo" || s[0].N != 3 ||
		math.Abs(s[0].Mean-0.6) > 1e-12 || math.Abs(s[0].High-0.6-0.248413771175033) > 1e-9 {
		t.Fatalf("Summarize = %+v", s)
	}
	md := SummaryMarkdown(s, 0.95)
	for _, want := range []string{"| method | accuracy |", "| dpo | 0.600 [0.352, 0.848] |",
		"| pop | 0.800 (n=1) |", "95% interval"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}

	svg, err := MetricFigure(s, "accuracy", 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(svg), "<svg") || !strings.Contains(string(svg), "dpo") {
		t.Error("figure is not an SVG naming the methods")
	}
	if _, err := MetricFigure(s, "spearman", 0.95); err == nil {
		t.Error("figure of a missing metric: no error")
	}
}

func TestWriteFileAtomicReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.csv")
	for _, content := range []string{"old", "new"} {
		if err := WriteFileAtomic(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(path)
	entries, _ := os.ReadDir(dir)
	if string(got) != "new" || len(entries) != 1 {
		t.Errorf("content %q with %d files in the directory, want \"new\" alone", got, len(entries))
	}
}

func TestConfigPresetsAndOverrides(t *testing.T) {
	// Without a data file, the synthetic world's quick preset; with one, the real-data one.
	c := Config{Quick: true, Train: train.Config{PreferenceSteps: 7}}.Normalized()
	q := QuickSyntheticTraining()
	if c.Train.PreferenceSteps != 7 || c.Train.SFTSteps != q.SFTSteps ||
		c.Train.PreferenceLearningRate != q.PreferenceLearningRate ||
		c.Train.Policy.EmbedDim != q.Policy.EmbedDim {
		t.Errorf("synthetic quick preset with an override gave %+v", c.Train)
	}
	r := Config{Data: "pairs.jsonl", Quick: true}.Normalized()
	if q := QuickTraining(); r.Train.SFTSteps != q.SFTSteps ||
		r.Train.PreferenceLearningRate != train.DefaultPreferenceLearningRate {
		t.Errorf("real-data quick preset gave %+v, want QuickTraining's", r.Train)
	}
	if len(c.Methods) != len(dpo.MainMethods()) || c.Seeds != DefaultSeeds {
		t.Errorf("defaults not filled: %+v", c)
	}
	full := Config{}.Normalized()
	if full.Train.SFTSteps != train.DefaultSFTSteps {
		t.Errorf("full preset SFT steps %d, want %d", full.Train.SFTSteps, train.DefaultSFTSteps)
	}
	// Every field set on Train survives the preset, however it was added to train.Config:
	// DataParallel, Seed, Checkpoint and Network among them.
	over := train.Config{DataParallel: 2, Seed: 9, SFTSteps: 3,
		Checkpoint: train.Checkpoint{Dir: "ckpt", Every: 5},
		Network:    train.PretrainedNetwork(nil)}
	m := Config{Quick: true, Train: over}.Normalized().Train
	if m.DataParallel != 2 || m.Seed != 9 || m.SFTSteps != 3 || m.Checkpoint != over.Checkpoint ||
		m.Network == nil || m.PreferenceSteps != q.PreferenceSteps {
		t.Errorf("overrides %+v gave %+v", over, m)
	}
	for _, bad := range []Config{{TestFraction: 1.5}, {Seeds: -1}, {Level: 2}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestReadSummaryCSV(t *testing.T) {
	dir := t.TempDir()
	res := NewResults()
	res.Add(Row{"dpo", "accuracy", 0, 0.5}, Row{"dpo", "accuracy", 1, 0.7})
	path := filepath.Join(dir, "s.csv")
	want := res.Summarize(0.95)
	if err := WriteSummaryCSV(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSummaryCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != want[0] {
		t.Errorf("read %+v, want %+v", got, want)
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("method,metric,mean,ci_low,ci_high,n\n"+
		"dpo,accuracy,x,0,1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSummaryCSV(bad); err == nil || !strings.Contains(err.Error(),
		`bad.csv:2: field "mean"`) {
		t.Errorf("bad mean: error %v", err)
	}
}
