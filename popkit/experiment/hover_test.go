package experiment

import (
	"encoding/xml"
	"math"
	"strings"
	"testing"

	"github.com/poprlhf/sandbox/popkit/eval"
)

// hoverCircle is one hover area of a figure's SVG.
type hoverCircle struct {
	CX    float64 `xml:"cx,attr"`
	CY    float64 `xml:"cy,attr"`
	Title string  `xml:"title"`
}

// hoverCircles parses svg and returns its hover areas (circles with a title), with the
// canvas height from the viewBox.
func hoverCircles(t *testing.T, svg []byte) []hoverCircle {
	t.Helper()
	var doc struct {
		Groups []struct {
			Circles []hoverCircle `xml:"circle"`
		} `xml:"g"`
	}
	if err := xml.Unmarshal(svg, &doc); err != nil {
		t.Fatalf("figure is not well-formed XML: %v", err)
	}
	var out []hoverCircle
	for _, g := range doc.Groups {
		for _, c := range g.Circles {
			if c.Title != "" {
				out = append(out, c)
			}
		}
	}
	return out
}

// TestMetricFigureHoverTexts: each bar gets one hover area with its method, mean, interval
// and seed count; areas sit left to right in the order of the bars, and the higher mean
// higher up (the group flips y, so a larger cy is higher).
func TestMetricFigureHoverTexts(t *testing.T) {
	rows := []SummaryRow{
		{Method: "dpo", Metric: "accuracy", Summary: eval.Summary{Mean: 0.6, Low: 0.55,
			High: 0.65, N: 3}},
		{Method: "pop", Metric: "accuracy", Summary: eval.Summary{Mean: 0.8, Low: 0.7,
			High: 0.9, N: 3}},
		{Method: "pop", Metric: "win_rate", Summary: eval.Summary{Mean: 0.5, N: 3}},
	}
	svg, err := MetricFigure(rows, "accuracy", 0.95)
	if err != nil {
		t.Fatal(err)
	}
	got := hoverCircles(t, svg)
	if len(got) != 2 {
		t.Fatalf("%d hover areas, want 2 (one per bar): %+v", len(got), got)
	}
	for i, want := range []string{"dpo, accuracy: 0.600 [0.550, 0.650] over 3 seeds",
		"pop, accuracy: 0.800 [0.700, 0.900] over 3 seeds"} {
		if got[i].Title != want {
			t.Errorf("hover %d = %q, want %q", i, got[i].Title, want)
		}
	}
	if !(got[0].CX < got[1].CX && got[0].CY < got[1].CY) {
		t.Errorf("hover areas at %+v: want pop right of and above dpo", got)
	}
}

// TestLineFigureHoverPositions: hover areas of a line land where an affine map of the data
// puts them: equal steps in x and y give equal steps on the canvas.
func TestLineFigureHoverPositions(t *testing.T) {
	s := Series{Name: "a", X: []float64{0, 1, 2}, Y: []float64{0, 0.5, 1},
		Low: []float64{math.NaN(), 0.4, 0.9}, High: []float64{math.NaN(), 0.6, 1.1}}
	svg, err := LineFigure("t", "k", "y", []Series{s})
	if err != nil {
		t.Fatal(err)
	}
	got := hoverCircles(t, svg)
	if len(got) != 3 {
		t.Fatalf("%d hover areas, want 3", len(got))
	}
	dx1, dx2 := got[1].CX-got[0].CX, got[2].CX-got[1].CX
	dy1, dy2 := got[1].CY-got[0].CY, got[2].CY-got[1].CY
	if dx1 <= 0 || dy1 <= 0 || math.Abs(dx1-dx2) > 0.01 || math.Abs(dy1-dy2) > 0.01 {
		t.Errorf("hover areas at %+v: want equal positive steps in x and y", got)
	}
	if !strings.Contains(got[1].Title, "a at k = 1: 0.500 [0.400, 0.600]") ||
		!strings.HasSuffix(got[0].Title, ": 0.000") {
		t.Errorf("hover texts %q, %q", got[0].Title, got[1].Title)
	}
}
