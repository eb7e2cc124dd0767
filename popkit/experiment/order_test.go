package experiment

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/poprlhf/sandbox/popkit/dpo"
)

// TestRowOrderIgnoresHistory checks that runs.csv and summary.csv do not depend on the order in
// which cells were computed: rows added as a first run emits them and rows added as a resumed
// run does (one cell, here dpo's for seed 0, recomputed last) give identical files once sorted
// by rowOrder.
func TestRowOrderIgnoresHistory(t *testing.T) {
	cfg := Config{Methods: []dpo.Method{dpo.DPO, dpo.PoP}, Seeds: 2}.Normalized()
	cell := func(method string, seed int, v float64) []Row {
		var rows []Row
		for _, m := range metricOrder {
			rows = append(rows, Row{Method: method, Metric: m, Seed: seed, Value: v})
		}
		return rows
	}
	diag := func(seed int) []Row {
		return []Row{{"pop", MetricPoPSpearman, seed, 0.5},
			{"pop", MetricPoPLabelAccuracy, seed, 1}}
	}
	// The emission order of Runner.Run: per seed, the PoP diagnostics, then method by method.
	first := [][]Row{diag(0), cell("dpo", 0, 0.1), cell("pop", 0, 0.2),
		diag(1), cell("dpo", 1, 0.3), cell("pop", 1, 0.4)}
	// The resumed run: the dpo cell of seed 0 was missing and is emitted last.
	resumed := [][]Row{diag(0), cell("pop", 0, 0.2), diag(1), cell("dpo", 1, 0.3),
		cell("pop", 1, 0.4), cell("dpo", 0, 0.1)}

	files := func(batches [][]Row) (runs, summary []byte) {
		r := NewResults()
		for _, b := range batches {
			r.Add(b...)
			r.sortRows(rowOrder(cfg))
		}
		dir := t.TempDir()
		if err := r.WriteRuns(filepath.Join(dir, FileRuns)); err != nil {
			t.Fatal(err)
		}
		if err := WriteSummaryCSV(filepath.Join(dir, FileSummary), r.Summarize(0.95)); err != nil {
			t.Fatal(err)
		}
		runs, _ = os.ReadFile(filepath.Join(dir, FileRuns))
		summary, _ = os.ReadFile(filepath.Join(dir, FileSummary))
		return runs, summary
	}
	runs1, sum1 := files(first)
	runs2, sum2 := files(resumed)
	if !slices.Equal(runs1, runs2) {
		t.Errorf("runs.csv depends on the order of computation:\n%s\nvs\n%s", runs1, runs2)
	}
	if !slices.Equal(sum1, sum2) {
		t.Errorf("summary.csv depends on the order of computation:\n%s\nvs\n%s", sum1, sum2)
	}

	// The order itself: seed, then method as configured, then the PoP diagnostics before the
	// discriminative metrics.
	r := NewResults()
	for _, b := range resumed {
		r.Add(b...)
	}
	r.sortRows(rowOrder(cfg))
	rows := r.Rows()
	n := len(metricOrder) // rows of one cell
	checks := []struct {
		at             int
		method, metric string
		seed           int
	}{
		{0, "dpo", metricOrder[0], 0},    // seed 0 first, dpo first as configured
		{n, "pop", MetricPoPSpearman, 0}, // pop after dpo, diagnostics first
		{n + 1, "pop", MetricPoPLabelAccuracy, 0},
		{n + 2, "pop", metricOrder[0], 0},   // then pop's discriminative metrics
		{2*n + 2, "dpo", metricOrder[0], 1}, // seed 1 after all of seed 0
		{len(rows) - 1, "pop", metricOrder[n-1], 1},
	}
	for _, c := range checks {
		got := rows[c.at]
		if got.Method != c.method || got.Metric != c.metric || got.Seed != c.seed {
			t.Errorf("row %d is %+v, want method %s, metric %s, seed %d", c.at, got, c.method,
				c.metric, c.seed)
		}
	}
}

// TestWriteFileAtomicMode checks that written files are readable by others (0644), not left
// with os.CreateTemp's 0600.
func TestWriteFileAtomicMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.csv")
	if err := WriteFileAtomic(path, []byte("x")); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o644 {
		t.Errorf("mode %v, want -rw-r--r--", got)
	}
}
