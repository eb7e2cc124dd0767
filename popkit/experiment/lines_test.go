package experiment

import (
	"strings"
	"testing"

	"github.com/poprlhf/sandbox/popkit/eval"
)

func TestSweepSeriesAndLineFigure(t *testing.T) {
	rows := []SummaryRow{
		{Method: "pop (k=1)", Metric: "accuracy", Summary: eval.Summary{Mean: 0.6, Low: 0.5,
			High: 0.7, N: 3}},
		{Method: "pop (k=2)", Metric: "accuracy", Summary: eval.Summary{Mean: 0.65, Low: 0.6,
			High: 0.7, N: 3}},
	}
	s, err := SweepSeries("pop", rows, "accuracy", []string{"pop (k=1)", "pop (k=2)"},
		[]float64{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.X) != 2 || s.Y[1] != 0.65 || s.Low[0] != 0.5 || s.High[1] != 0.7 {
		t.Errorf("series %+v", s)
	}
	if _, err := SweepSeries("pop", rows, "win_rate", []string{"pop (k=1)"},
		[]float64{1}); err == nil || !strings.Contains(err.Error(), `no win_rate for "pop (k=1)"`) {
		t.Errorf("missing metric: error %v", err)
	}
	for _, points := range []bool{false, true} {
		s.Points = points
		svg, err := LineFigure("accuracy against k", "k", "accuracy", []Series{s})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(svg), "<svg") || !strings.Contains(string(svg),
			"accuracy against k") {
			t.Errorf("points %v: not an SVG with its title", points)
		}
	}
	bad := Series{Name: "bad", X: []float64{1, 2}, Y: []float64{1}}
	if _, err := LineFigure("t", "x", "y", []Series{bad}); err == nil {
		t.Error("mismatched series: want an error")
	}
	if _, err := LineFigure("t", "x", "y", nil); err == nil {
		t.Error("no points: want an error")
	}
}
