package experiment

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Series is one line of a [LineFigure]: points (X[i], Y[i]) and, when Low and High are given
// (same length as X), the interval [Low[i], High[i]] of each, drawn as a band.
type Series struct {
	Name      string
	X, Y      []float64
	Low, High []float64
	// Points draws the points alone, without a line through them (a scatter).
	Points bool
}

// LineFigure draws series over a common x axis as SVG: a line with points per series, in the
// palette order, with a shaded band for its intervals. It returns an error for a series whose
// slices differ in length, or when there are no points.
func LineFigure(title, xLabel, yLabel string, series []Series) ([]byte, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.Legend.Top, p.Legend.Left = true, true
	points := 0
	tips := &hoverTips{}
	for i, s := range series {
		if len(s.Y) != len(s.X) || (s.Low != nil && (len(s.Low) != len(s.X) ||
			len(s.High) != len(s.X))) {
			return nil, fmt.Errorf("experiment: series %q: %d x, %d y, %d low, %d high values",
				s.Name, len(s.X), len(s.Y), len(s.Low), len(s.High))
		}
		col := plotutil.Color(i)
		if s.Low != nil && !s.Points {
			band := make(plotter.XYs, 0, 2*len(s.X))
			for k := range s.X {
				band = append(band, plotter.XY{X: s.X[k], Y: s.High[k]})
			}
			for k := len(s.X) - 1; k >= 0; k-- {
				band = append(band, plotter.XY{X: s.X[k], Y: s.Low[k]})
			}
			if finite(band) {
				poly, err := plotter.NewPolygon(band)
				if err != nil {
					return nil, err
				}
				r, g, b, _ := col.RGBA()
				poly.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8),
					A: 0x40}
				poly.LineStyle.Width = 0
				p.Add(poly)
			}
		}
		xys := make(plotter.XYs, len(s.X))
		for k := range s.X {
			xys[k] = plotter.XY{X: s.X[k], Y: s.Y[k]}
		}
		points += len(xys)
		for k := range xys {
			text := fmt.Sprintf("%.4g", s.Y[k])
			if s.Low != nil {
				text = IntervalText(s.Y[k], s.Low[k], s.High[k])
			}
			tips.add(s.X[k], s.Y[k], fmt.Sprintf("%s at %s = %.4g: %s", s.Name, xLabel, s.X[k],
				text))
		}
		dots, err := plotter.NewScatter(xys)
		if err != nil {
			return nil, err
		}
		dots.Color = col
		dots.Radius = vg.Points(2.5)
		dots.Shape = plotutil.Shape(i)
		if s.Points {
			if s.Low != nil {
				errs, err := plotter.NewYErrorBars(errorPointsOf(s))
				if err == nil {
					errs.Color = col
					p.Add(errs)
				}
			}
			p.Add(dots)
			p.Legend.Add(s.Name, dots)
			continue
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		line.Color = col
		line.Width = vg.Points(1.5)
		p.Add(line, dots)
		p.Legend.Add(s.Name, line, dots)
	}
	if points == 0 {
		return nil, fmt.Errorf("experiment: %q has no points to plot", title)
	}
	p.Add(tips)
	return plotSVG(p, 6*vg.Inch, 3.5*vg.Inch, tips)
}

// errorPointsOf returns the points of s with their intervals as error bars.
func errorPointsOf(s Series) errorPoints {
	var e errorPoints
	for k := range s.X {
		e.XYs = append(e.XYs, plotter.XY{X: s.X[k], Y: s.Y[k]})
		low, high := s.Y[k]-s.Low[k], s.High[k]-s.Y[k]
		if math.IsNaN(low) || math.IsNaN(high) {
			low, high = 0, 0
		}
		e.YErrors = append(e.YErrors, struct{ Low, High float64 }{low, high})
	}
	return e
}

func finite(xys plotter.XYs) bool {
	for _, p := range xys {
		if math.IsNaN(p.Y) || math.IsInf(p.Y, 0) {
			return false
		}
	}
	return true
}

// SweepSeries returns the series of one metric across a sweep: for each label (a method name
// in rows, as [SweepToDir] labels them) the mean and interval of metric, at the matching x.
// A label without the metric is an error.
func SweepSeries(name string, rows []SummaryRow, metric string, labels []string,
	xs []float64) (Series, error) {
	if len(labels) != len(xs) {
		return Series{}, fmt.Errorf("experiment: %d labels for %d x values", len(labels), len(xs))
	}
	s := Series{Name: name}
	for i, label := range labels {
		found := false
		for _, r := range rows {
			if r.Method == label && r.Metric == metric {
				s.X = append(s.X, xs[i])
				s.Y, s.Low, s.High = append(s.Y, r.Mean), append(s.Low, r.Low),
					append(s.High, r.High)
				found = true
				break
			}
		}
		if !found {
			return Series{}, fmt.Errorf("experiment: no %s for %q", metric, label)
		}
	}
	return s, nil
}
