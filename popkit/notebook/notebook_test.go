package notebook

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/poprlhf/sandbox/popkit/eval"
	"github.com/poprlhf/sandbox/popkit/experiment"
	"github.com/poprlhf/sandbox/popkit/train"
)

func row(method string, mean, low, high float64, n int) experiment.SummaryRow {
	return experiment.SummaryRow{Method: method, Metric: "accuracy",
		Summary: eval.Summary{Mean: mean, Low: low, High: high, N: n}}
}

func TestCompareAndInterval(t *testing.T) {
	a := row("pop", 0.7, 0.65, 0.75, 3)
	for _, tc := range []struct {
		b    experiment.SummaryRow
		want string
	}{
		{row("dpo", 0.6, 0.55, 0.64, 3), "above"},
		{row("dpo", 0.8, 0.76, 0.84, 3), "below"},
		{row("dpo", 0.7, 0.60, 0.65, 3), "overlaps"}, // touching ends overlap
		{row("dpo", 0.6, 0.6, 0.6, 1), "no interval"},
	} {
		if got := Compare(a, tc.b); got != tc.want {
			t.Errorf("Compare(%v, %v) = %q, want %q", a, tc.b, got, tc.want)
		}
	}
	if got, want := Interval(a), "0.700 [0.650, 0.750]"; got != want {
		t.Errorf("Interval = %q, want %q", got, want)
	}
	if got, want := Interval(row("x", 0.5, 0, 0, 1)), "0.500 (n=1)"; got != want {
		t.Errorf("Interval = %q, want %q", got, want)
	}
}

func TestModeAndFolders(t *testing.T) {
	t.Setenv("POPKIT_QUICK", "1")
	if !Quick() || Seeds() != QuickSeeds || Mode() != "quick" {
		t.Errorf("POPKIT_QUICK=1: quick %v, seeds %d, mode %s", Quick(), Seeds(), Mode())
	}
	t.Setenv("POPKIT_QUICK", "")
	if Quick() || Seeds() != FullSeeds {
		t.Errorf("POPKIT_QUICK unset: quick %v, seeds %d", Quick(), Seeds())
	}
	dir := filepath.Join(t.TempDir(), "a")
	t.Setenv("POPKIT_ARTEFACTS", dir)
	if got := Artefacts("x"); got != dir {
		t.Errorf("Artefacts = %q, want %q", got, dir)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("Artefacts did not create its folder: %v", err)
	}
}

func TestRealData(t *testing.T) {
	root := t.TempDir()
	t.Setenv("POPKIT_DATA", "")
	t.Setenv("POPKIT_ROOT", filepath.Join(root, "repo"))
	if got := RealData(); got != "" {
		t.Errorf("no sample: RealData = %q, want \"\"", got)
	}
	sample := filepath.Join(root, "shared", "data", "ultrafeedback", "train_1000.jsonl")
	if err := os.MkdirAll(filepath.Dir(sample), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sample, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := RealData(); got != sample {
		t.Errorf("RealData = %q, want %q", got, sample)
	}
}

func TestSelectAndFind(t *testing.T) {
	rows := []experiment.SummaryRow{row("dpo", 0.6, 0.5, 0.7, 3), row("pop", 0.7, 0.6, 0.8, 3)}
	rows[1].Metric = "win_rate"
	if got := Select(rows, "win_rate"); len(got) != 1 || got[0].Method != "pop" {
		t.Errorf("Select = %v", got)
	}
	if r, ok := Find(rows, "dpo", "accuracy"); !ok || r.Mean != 0.6 {
		t.Errorf("Find = %v, %v", r, ok)
	}
	if _, ok := Find(rows, "dpo", "win_rate"); ok {
		t.Error("Find found a row that is not there")
	}
}

func TestVerdict(t *testing.T) {
	rows := []experiment.SummaryRow{row("pop", 0.7, 0.65, 0.75, 3), row("dpo", 0.6, 0.55, 0.64, 3),
		row("gt", 0.7, 0.6, 0.8, 3), row("one", 0.5, 0, 0, 1)}
	for _, tc := range []struct {
		a, b, metric, want string
	}{
		{"pop", "dpo", "accuracy",
			"- accuracy: pop 0.700 [0.650, 0.750] against dpo 0.600 [0.550, 0.640] (3 seeds): above.\n"},
		{"dpo", "pop", "accuracy",
			"- accuracy: dpo 0.600 [0.550, 0.640] against pop 0.700 [0.650, 0.750] (3 seeds): below.\n"},
		{"pop", "gt", "accuracy", "- accuracy: pop 0.700 [0.650, 0.750] against gt 0.700 " +
			"[0.600, 0.800] (3 seeds): overlapping (not separated by this run).\n"},
		{"one", "pop", "accuracy", "- accuracy: one 0.500 (n=1) against pop 0.700 [0.650, 0.750] " +
			"(1 seed): without intervals.\n"},
		{"pop", "dpo", "win_rate", "- win_rate: no win_rate for pop or dpo.\n"},
		{"pop", "ipo", "accuracy", "- accuracy: no accuracy for pop or ipo.\n"},
	} {
		if got := Verdict(rows, tc.a, tc.b, tc.metric); got != tc.want {
			t.Errorf("Verdict(%s, %s, %s) =\n%q\nwant\n%q", tc.a, tc.b, tc.metric, got, tc.want)
		}
	}
}

func TestQuickNote(t *testing.T) {
	if got := QuickNote(experiment.Config{Seeds: FullSeeds}, ""); got != "" {
		t.Errorf("full configuration: QuickNote = %q, want \"\"", got)
	}
	// Base's quick configuration: QuickSyntheticTraining's decoder (2 layers, width 64) cut to 40
	// reference and 20 preference steps, QuickSeeds seeds.
	base := experiment.Config{Quick: true, Seeds: QuickSeeds,
		Train: train.Config{SFTSteps: 40, PreferenceSteps: 20}}
	want := "\n*Quick mode: a smoke run (a 2-layer decoder of width 64, 40 reference then 20 " +
		"preference steps, 3 seeds, on the synthetic world): it checks the pipeline; the paper's " +
		"claim is tested by the full run.*\n"
	if got := QuickNote(base, ""); got != want {
		t.Errorf("QuickNote =\n%q\nwant\n%q", got, want)
	}
	// A data file with QuickTraining's 60 reference and 40 preference steps, and a point.
	file := experiment.Config{Quick: true, Seeds: 1, Data: "/data/train.jsonl"}
	want = "\n*Quick mode: a smoke run (a 2-layer decoder of width 64, 60 reference then 40 " +
		"preference steps, 1 seed, on `train.jsonl`): too short to compare.*\n"
	if got := QuickNote(file, "too short to compare"); got != want {
		t.Errorf("QuickNote =\n%q\nwant\n%q", got, want)
	}
}
