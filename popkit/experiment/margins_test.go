package experiment

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poprlhf/sandbox/popkit/internal/realdata"
	"github.com/poprlhf/sandbox/popkit/synth"
)

func TestMarginHistogramOf(t *testing.T) {
	// Hand count: 0 -> tie; 0.5 and 1 -> (0, 1]; 1.5 -> (1, 2]; 6 -> (5, 6]; 8.5 -> > 6.
	// Six margins, so each counts 1/6; the mean is 17.5/6.
	h, err := MarginHistogramOf("hand", []float64{0, 0.5, 1, 1.5, 6, 8.5})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1.0 / 6, 2.0 / 6, 1.0 / 6, 0, 0, 0, 1.0 / 6, 1.0 / 6}
	for i := range want {
		if math.Abs(h.Shares[i]-want[i]) > 1e-12 {
			t.Errorf("bin %s: share %g, want %g", MarginBins[i], h.Shares[i], want[i])
		}
	}
	if h.Pairs != 6 || math.Abs(h.Mean-17.5/6) > 1e-12 {
		t.Errorf("pairs %d, mean %g; want 6 and %g", h.Pairs, h.Mean, 17.5/6)
	}
	for _, bad := range [][]float64{nil, {1, -0.5}, {math.NaN()}} {
		if _, err := MarginHistogramOf("bad", bad); err == nil {
			t.Errorf("margins %v: no error", bad)
		}
	}
}

func TestCompareMargins(t *testing.T) {
	w, err := synth.Generate(synth.Config{Prompts: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	alone, err := CompareMargins(w, "")
	if err != nil || len(alone) != 1 || alone[0].Pairs != 200 {
		t.Fatalf("CompareMargins(w, \"\") = %v, %v; want one histogram of 200 pairs", alone, err)
	}

	// A two-pair file: margins 2 and 0.
	path := filepath.Join(t.TempDir(), "two.jsonl")
	data := `{"prompt":"p","chosen":"a","rejected":"b","score_chosen":8,"score_rejected":6}
{"prompt":"q","chosen":"c","rejected":"d","score_chosen":7,"score_rejected":7}
`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	both, err := CompareMargins(w, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(both) != 2 || both[1].Pairs != 2 || both[1].Shares[0] != 0.5 ||
		both[1].Shares[2] != 0.5 {
		t.Fatalf("CompareMargins with the two-pair file = %+v; want ties 0.5 and (1, 2] 0.5",
			both)
	}
	svg, err := MarginFigure(both)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("UltraFeedback")) {
		t.Errorf("MarginFigure did not draw an SVG with both legends")
	}
	if _, err := MarginFigure(nil); err == nil {
		t.Errorf("MarginFigure(nil): no error")
	}

	if _, err := CompareMargins(w, filepath.Join(t.TempDir(), "missing.jsonl")); err == nil ||
		!strings.Contains(err.Error(), "missing.jsonl") {
		t.Errorf("a missing file: error %v, want one naming the file", err)
	}
}

func TestCompareMarginsRealSample(t *testing.T) {
	path := realdata.Require(t)
	w, err := synth.Generate(synth.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := CompareMargins(w, path)
	if err != nil {
		t.Fatal(err)
	}
	// The real sample's shape (synth's TestMarginShape records it): 1,000 pairs, mean 1.897.
	if h[1].Pairs != 1000 || math.Abs(h[1].Mean-1.897) > 1e-9 {
		t.Errorf("real sample: %d pairs, mean %g; want 1000 and 1.897", h[1].Pairs, h[1].Mean)
	}
	if d := math.Abs(h[0].Mean - h[1].Mean); d > 0.5 {
		t.Errorf("default world's mean margin %.3f is %.3f from the sample's", h[0].Mean, d)
	}
}
