package experiment

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/poprlhf/sandbox/popkit/eval"
)

// CurveRow is one point of a training curve: a metric of the policy of one method and seed
// after Step preference-training steps. Step 0 is the reference policy, where every method
// starts.
type CurveRow struct {
	Method string
	Seed   int
	Step   int
	Metric string
	Value  float64
}

// CurveMetrics are the metrics of the training curves, in the order of curves.csv: held-out
// accuracy (every data set) and, with a gold judge, win rate, gold reward and KL to the
// reference (see [eval.Discriminative] and [eval.Generative]).
var CurveMetrics = []string{eval.MetricAccuracy, eval.MetricWinRate, eval.MetricGoldReward,
	eval.MetricKL}

// CurveFigureMetrics are the metrics [CurveFigure] draws, one panel each, when present.
var CurveFigureMetrics = []string{eval.MetricAccuracy, eval.MetricWinRate, eval.MetricKL}

// Curves holds curve rows, one per (method, seed, step, metric); adding a row with the same
// key replaces the old one, so a recomputed cell never duplicates its points.
type Curves struct {
	rows  []CurveRow
	index map[curveKey]int
}

type curveKey struct {
	method, metric string
	seed, step     int
}

func keyOf(r CurveRow) curveKey { return curveKey{r.Method, r.Metric, r.Seed, r.Step} }

// NewCurves returns an empty set of curves.
func NewCurves() *Curves { return &Curves{index: map[curveKey]int{}} }

// Add inserts or replaces rows.
func (c *Curves) Add(rows ...CurveRow) {
	for _, row := range rows {
		k := keyOf(row)
		if i, ok := c.index[k]; ok {
			c.rows[i] = row
			continue
		}
		c.index[k] = len(c.rows)
		c.rows = append(c.rows, row)
	}
}

// Rows returns the rows in their current order: the order they were first added, or that of
// the last sort.
func (c *Curves) Rows() []CurveRow { return slices.Clone(c.rows) }

// sortRows orders the rows by cmp, keeping rows that compare equal in their current order.
func (c *Curves) sortRows(cmp func(a, b CurveRow) int) {
	slices.SortStableFunc(c.rows, cmp)
	for i, row := range c.rows {
		c.index[keyOf(row)] = i
	}
}

// curvesHeader is the header of curves.csv.
var curvesHeader = []string{"method", "seed", "step", "metric", "value"}

// ReadCurves reads a curves.csv written by [Curves.WriteCurves]. Errors name the file, the
// line and the field.
func ReadCurves(path string) (*Curves, error) {
	c := NewCurves()
	err := readTidyCSV(path, curvesHeader, func(line int, rec []string) error {
		for _, k := range []int{0, 3} {
			if rec[k] == "" {
				return fmt.Errorf("%s:%d: field %q: empty, expected a name", path, line,
					curvesHeader[k])
			}
		}
		var ints [2]int
		for k, field := range []int{1, 2} {
			var err error
			if ints[k], err = strconv.Atoi(rec[field]); err != nil || ints[k] < 0 {
				return fmt.Errorf("%s:%d: field %q: %q is not a non-negative integer",
					path, line, curvesHeader[field], rec[field])
			}
		}
		value, err := strconv.ParseFloat(rec[4], 64)
		if err != nil {
			return fmt.Errorf("%s:%d: field \"value\": %q is not a number", path, line,
				rec[4])
		}
		c.Add(CurveRow{Method: rec[0], Seed: ints[0], Step: ints[1], Metric: rec[3],
			Value: value})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// WriteCurves writes the rows as tidy CSV (method, seed, step, metric, value), atomically
// (see [WriteFileAtomic]).
func (c *Curves) WriteCurves(path string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(curvesHeader)
	for _, r := range c.rows {
		_ = w.Write([]string{r.Method, strconv.Itoa(r.Seed), strconv.Itoa(r.Step), r.Metric,
			formatFloat(r.Value)})
	}
	w.Flush()
	return WriteFileAtomic(path, buf.Bytes())
}

// CurvePoint is the summary over seeds of one metric of one method after Step steps.
type CurvePoint struct {
	Method, Metric string
	Step           int
	eval.Summary
}

// Summarize returns, for every (method, metric, step), the mean over seeds and the two-sided
// Student-t interval at the given level (see [eval.Interval]), ordered by method (in the order
// methods first appear), then metric (likewise), then step.
func (c *Curves) Summarize(level float64) []CurvePoint {
	type key struct {
		method, metric string
		step           int
	}
	var methods, metrics []string
	values := map[key][]float64{}
	for _, r := range c.rows {
		if !slices.Contains(methods, r.Method) {
			methods = append(methods, r.Method)
		}
		if !slices.Contains(metrics, r.Metric) {
			metrics = append(metrics, r.Metric)
		}
		k := key{r.Method, r.Metric, r.Step}
		values[k] = append(values[k], r.Value)
	}
	out := make([]CurvePoint, 0, len(values))
	for k, v := range values {
		out = append(out, CurvePoint{Method: k.method, Metric: k.metric, Step: k.step,
			Summary: eval.Interval(v, level)})
	}
	slices.SortFunc(out, func(a, b CurvePoint) int {
		return cmp.Or(cmp.Compare(slices.Index(methods, a.Method), slices.Index(methods, b.Method)),
			cmp.Compare(slices.Index(metrics, a.Metric), slices.Index(metrics, b.Metric)),
			cmp.Compare(a.Step, b.Step))
	})
	return out
}

// CurveFigure draws the training curves as SVG: one panel per metric of [CurveFigureMetrics]
// that c holds, stacked, with one line per method (in the order methods first appear) through
// its mean over seeds at each step, and a shaded band for the interval at the given level
// where there are two seeds or more. Accuracy and win rate get a dashed line at chance (0.5).
// It returns an error when c holds none of the metrics.
func CurveFigure(c *Curves, level float64) ([]byte, error) {
	points := c.Summarize(level)
	var panels []*plot.Plot
	var tips []*hoverTips
	for _, metric := range CurveFigureMetrics {
		var methods []string
		lines := map[string][]CurvePoint{}
		for _, p := range points {
			if p.Metric != metric || math.IsNaN(p.Mean) {
				continue
			}
			if _, ok := lines[p.Method]; !ok {
				methods = append(methods, p.Method)
			}
			lines[p.Method] = append(lines[p.Method], p)
		}
		if len(methods) == 0 {
			continue
		}
		p, t, err := curvePanel(metric, methods, lines, level)
		if err != nil {
			return nil, err
		}
		panels, tips = append(panels, p), append(tips, t)
	}
	if len(panels) == 0 {
		return nil, fmt.Errorf("experiment: no curves of %v to plot", CurveFigureMetrics)
	}

	const width, panelHeight = 6 * vg.Inch, 2.6 * vg.Inch
	canvas := vgsvg.New(width, panelHeight*vg.Length(len(panels)))
	grid := make([][]*plot.Plot, len(panels))
	for i, p := range panels {
		grid[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadY: vg.Points(8), PadTop: vg.Points(4),
		PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	cells := plot.Align(grid, tiles, draw.New(canvas))
	for i, p := range panels {
		p.Draw(cells[i][0])
	}
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return nil, err
	}
	return withHoverTips(buf.Bytes(), panelHeight*vg.Length(len(panels)), tips...), nil
}

// curvePanel draws one metric: a line with points per method, a band for its interval; the
// hover texts of the points come with it.
func curvePanel(metric string, methods []string, lines map[string][]CurvePoint,
	level float64) (*plot.Plot, *hoverTips, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s (mean over seeds, %g%% interval)", metric, 100*level)
	p.X.Label.Text = "preference step"
	p.Y.Label.Text = metric
	p.Legend.Top = true
	p.Legend.Left = true
	tips := &hoverTips{}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, method := range methods {
		pts := lines[method]
		lo, hi = min(lo, float64(pts[0].Step)), max(hi, float64(pts[len(pts)-1].Step))
		col := plotutil.Color(i)
		if band := intervalBand(pts); band != nil {
			poly, err := plotter.NewPolygon(band)
			if err != nil {
				return nil, nil, err
			}
			r, g, b, _ := col.RGBA()
			poly.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x40}
			poly.LineStyle.Width = 0
			p.Add(poly)
		}
		xys := make(plotter.XYs, len(pts))
		for k, pt := range pts {
			xys[k] = plotter.XY{X: float64(pt.Step), Y: pt.Mean}
			tips.add(float64(pt.Step), pt.Mean, fmt.Sprintf("%s, step %d: %s %s over %d seeds",
				method, pt.Step, metric, IntervalText(pt.Mean, pt.Low, pt.High), pt.N))
		}
		line, dots, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, nil, err
		}
		line.Color, dots.Color = col, col
		line.Width = vg.Points(1.5)
		dots.Radius = vg.Points(2)
		p.Add(line, dots)
		p.Legend.Add(method, line, dots)
	}
	if metric == eval.MetricAccuracy || metric == eval.MetricWinRate {
		chance := plotter.NewFunction(func(float64) float64 { return 0.5 })
		chance.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		chance.XMin, chance.XMax = lo, hi
		chance.Color = color.Gray{Y: 0x80}
		p.Add(chance)
		p.Legend.Add("chance", chance)
	}
	p.Add(tips)
	return p, tips, nil
}

// intervalBand returns the outline of the interval band of a curve (upper ends left to right,
// then lower ends right to left), or nil when some point has no interval.
func intervalBand(pts []CurvePoint) plotter.XYs {
	band := make(plotter.XYs, 0, 2*len(pts))
	for _, pt := range pts {
		if math.IsNaN(pt.High) {
			return nil
		}
		band = append(band, plotter.XY{X: float64(pt.Step), Y: pt.High})
	}
	for k := len(pts) - 1; k >= 0; k-- {
		band = append(band, plotter.XY{X: float64(pts[k].Step), Y: pts[k].Low})
	}
	return band
}
