package experiment

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/poprlhf/sandbox/popkit/prefdata"
	"github.com/poprlhf/sandbox/popkit/synth"
)

// MarginBins name the bins of [MarginHistogram]: ties, unit intervals open on the left, and
// the tail above 6 (the shared UltraFeedback sample's largest margin is 8).
var MarginBins = []string{"0 (tie)", "(0, 1]", "(1, 2]", "(2, 3]", "(3, 4]", "(4, 5]",
	"(5, 6]", "> 6"}

// MarginHistogram is the distribution of the rating margins m* = s_w - s_l of one data set.
type MarginHistogram struct {
	// Name names the data set in legends.
	Name string
	// Pairs is the number of pairs counted.
	Pairs int
	// Shares holds the share of pairs per bin of MarginBins; they sum to 1.
	Shares []float64
	// Mean is the mean margin.
	Mean float64
}

// MarginHistogramOf bins margins (each >= 0, as the readers and the synthetic world give
// them) into MarginBins: bin 0 holds m = 0, bin k holds k-1 < m <= k for k = 1..6, and the
// last bin m > 6. A negative or NaN margin is an error naming its index.
func MarginHistogramOf(name string, margins []float64) (MarginHistogram, error) {
	h := MarginHistogram{Name: name, Pairs: len(margins), Shares: make([]float64, len(MarginBins))}
	if len(margins) == 0 {
		return h, fmt.Errorf("experiment: %s has no margins to bin", name)
	}
	n := float64(len(margins))
	for i, m := range margins {
		if !(m >= 0) {
			return h, fmt.Errorf("experiment: %s margin %d is %g, want >= 0", name, i, m)
		}
		bin := 0
		if m > 0 {
			bin = min(len(MarginBins)-1, int(math.Ceil(m)))
		}
		h.Shares[bin] += 1 / n
		h.Mean += m / n
	}
	return h, nil
}

// CompareMargins returns, side by side, the margin histograms of the synthetic world w and of
// the UltraFeedback-style JSON Lines file at realPath (for example the shared 1,000-pair
// sample), named "synthetic" and "UltraFeedback sample". An empty realPath gives the world's
// histogram alone. Errors of the reader name the file and line.
func CompareMargins(w *synth.World, realPath string) ([]MarginHistogram, error) {
	world, err := MarginHistogramOf(SyntheticName, prefdata.Margins(w.Pairs))
	if err != nil {
		return nil, err
	}
	out := []MarginHistogram{world}
	if realPath == "" {
		return out, nil
	}
	pairs, err := prefdata.ReadJSONL(realPath)
	if err != nil {
		return nil, err
	}
	real, err := MarginHistogramOf("UltraFeedback sample", prefdata.Margins(pairs))
	if err != nil {
		return nil, err
	}
	return append(out, real), nil
}

// MarginFigure draws histograms as grouped bars, one colour per data set, and returns the
// figure as SVG.
func MarginFigure(hists []MarginHistogram) ([]byte, error) {
	if len(hists) == 0 {
		return nil, fmt.Errorf("experiment: no margin histograms to draw")
	}
	p := plot.New()
	p.Title.Text = "rating margins m* = s_w - s_l"
	p.Y.Label.Text = "share of pairs"
	width := vg.Points(12)
	for i, h := range hists {
		bars, err := plotter.NewBarChart(plotter.Values(h.Shares), width)
		if err != nil {
			return nil, err
		}
		bars.LineStyle.Width = 0
		bars.Color = plotutil.Color(i)
		bars.Offset = width * vg.Length(2*i-len(hists)+1) / 2
		p.Add(bars)
		p.Legend.Add(fmt.Sprintf("%s (%d pairs, mean %.2f)", h.Name, h.Pairs, h.Mean), bars)
	}
	p.Legend.Top = true
	p.NominalX(MarginBins...)
	return plotSVG(p, 6.5*vg.Inch, 3*vg.Inch)
}
