package experiment

import (
	"bytes"
	"fmt"
	"html"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// hoverRadius is the radius, in points, of the area around a data point that shows its text.
const hoverRadius = 7

// hoverTips makes a figure's data points explain themselves: in a browser (Jupyter renders
// the SVG inline), resting the pointer on a point shows its exact values. It is a
// plot.Plotter that draws nothing; while the plot is drawn it records where each point lands
// on the canvas, and [withHoverTips] then adds, at those places, invisible circles whose SVG
// <title> the browser shows on hover. The static file keeps the texts too.
type hoverTips struct {
	xys   plotter.XYs
	texts []string
	at    []vg.Point // canvas positions of xys, set by Plot
}

// add registers the point (x, y), in data coordinates, with its hover text. Points with a
// non-finite coordinate are skipped.
func (h *hoverTips) add(x, y float64, text string) {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) {
		return
	}
	h.xys = append(h.xys, plotter.XY{X: x, Y: y})
	h.texts = append(h.texts, text)
}

// Plot records the canvas position of every point; it draws nothing.
func (h *hoverTips) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	h.at = h.at[:0]
	for _, xy := range h.xys {
		h.at = append(h.at, vg.Point{X: trX(xy.X), Y: trY(xy.Y)})
	}
}

// withHoverTips returns svg, as vgsvg writes it for a canvas of the given height, with the
// hover areas of tips inserted before its closing tag. vgsvg draws in a group that puts the
// origin at the bottom left; the areas use the same transform, so the positions recorded by
// Plot apply unchanged.
func withHoverTips(svg []byte, height vg.Length, tips ...*hoverTips) []byte {
	end := bytes.LastIndex(svg, []byte("</svg>"))
	if end < 0 {
		return svg
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "<g transform=\"scale(1, -1) translate(0, -%.2f)\">\n", height.Points())
	for _, h := range tips {
		for i, at := range h.at {
			fmt.Fprintf(&b, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%d\" fill=\"#000\" "+
				"fill-opacity=\"0\" pointer-events=\"all\"><title>%s</title></circle>\n",
				at.X.Points(), at.Y.Points(), hoverRadius, html.EscapeString(h.texts[i]))
		}
	}
	b.WriteString("</g>\n")
	out := append([]byte(nil), svg[:end]...)
	out = append(out, b.Bytes()...)
	return append(out, svg[end:]...)
}

// IntervalText formats a mean with its interval, "0.752 [0.677, 0.827]", or the mean alone
// when the interval is missing (NaN), as figures and notebooks quote them.
func IntervalText(mean, low, high float64) string {
	if math.IsNaN(low) || math.IsNaN(high) {
		return fmt.Sprintf("%.3f", mean)
	}
	return fmt.Sprintf("%.3f [%.3f, %.3f]", mean, low, high)
}
