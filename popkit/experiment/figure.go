package experiment

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// errorPoints are bar tops with asymmetric error bars, for plotter.YErrorBars.
type errorPoints struct {
	plotter.XYs
	plotter.YErrors
}

// MetricFigure draws one metric of every method as bars with their confidence intervals and
// returns the figure as SVG. Methods appear in the order of rows; a method without the metric is
// left out. A reference line at chance (0.5) is drawn for accuracy metrics and the win rate.
func MetricFigure(rows []SummaryRow, metric string, level float64) ([]byte, error) {
	var names []string
	var pts errorPoints
	var means plotter.Values
	tips := &hoverTips{}
	for _, s := range rows {
		if s.Metric != metric || math.IsNaN(s.Mean) {
			continue
		}
		x := float64(len(names))
		names = append(names, s.Method)
		means = append(means, s.Mean)
		pts.XYs = append(pts.XYs, plotter.XY{X: x, Y: s.Mean})
		low, high := 0.0, 0.0
		if !math.IsNaN(s.Low) {
			low, high = s.Mean-s.Low, s.High-s.Mean
		}
		pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{low, high})
		tips.add(x, s.Mean, fmt.Sprintf("%s, %s: %s over %d seeds", s.Method, metric,
			IntervalText(s.Mean, s.Low, s.High), s.N))
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("experiment: no values of metric %q to plot", metric)
	}

	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s by method (mean over seeds, %g%% interval)", metric, 100*level)
	p.Y.Label.Text = metric
	bars, err := plotter.NewBarChart(means, vg.Points(28))
	if err != nil {
		return nil, err
	}
	bars.LineStyle.Width = 0
	bars.Color = barColor
	p.Add(bars)
	errs, err := plotter.NewYErrorBars(pts)
	if err != nil {
		return nil, err
	}
	errs.Width = vg.Points(1.5)
	errs.CapWidth = vg.Points(10)
	p.Add(errs)
	if strings.HasPrefix(metric, "accuracy") || metric == "win_rate" {
		chance := plotter.NewFunction(func(float64) float64 { return 0.5 })
		chance.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		chance.XMin, chance.XMax = -0.5, float64(len(names))-0.5
		p.Add(chance)
		p.Legend.Add("chance", chance)
		p.Legend.Top = true
	}
	p.NominalX(names...)
	p.Add(tips)

	return plotSVG(p, 5*vg.Inch, 3.5*vg.Inch, tips)
}

// plotSVG renders p at the given size as SVG, with the hover texts of tips (which p must
// hold among its plotters, so that they know where their points land).
func plotSVG(p *plot.Plot, width, height vg.Length, tips ...*hoverTips) ([]byte, error) {
	w, err := p.WriterTo(width, height, "svg")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, err
	}
	return withHoverTips(buf.Bytes(), height, tips...), nil
}

// barColor is the bar colour, a muted blue.
var barColor = color.RGBA{R: 0x4c, G: 0x72, B: 0xb0, A: 0xff}
