package dpo

import (
	"math"
	"testing"
)

// TestLossCurve checks the curve against the closed forms: softplus(delta - h) and
// -sigmoid(delta - h) for DPO-type methods; for IPO, (h/beta - 1/(2 beta))^2 with slope
// 2 (h/beta - 1/(2 beta)) / beta (Azar et al., 2023, Eq. 17, differentiated by hand).
func TestLossCurve(t *testing.T) {
	backend := testBackend(t)
	c := Config{Beta: 0.1}
	hs := []float64{-2, 0, 1, 3}
	sigmoid := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	for _, delta := range []float64{0, 1.5} {
		loss, slope, err := c.LossCurve(backend, PoP, hs, delta)
		if err != nil {
			t.Fatal(err)
		}
		for i, h := range hs {
			wantLoss := math.Log1p(math.Exp(delta - h))
			wantSlope := -sigmoid(delta - h)
			if math.Abs(loss[i]-wantLoss) > 1e-12 || math.Abs(slope[i]-wantSlope) > 1e-12 {
				t.Errorf("delta %g, h %g: loss %.15g slope %.15g, want %.15g and %.15g", delta,
					h, loss[i], slope[i], wantLoss, wantSlope)
			}
		}
	}
	loss, slope, err := c.LossCurve(backend, IPO, hs, 7) // IPO ignores the offset
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hs {
		d := h/0.1 - 1/(2*0.1)
		if math.Abs(loss[i]-d*d) > 1e-9 || math.Abs(slope[i]-2*d/0.1) > 1e-9 {
			t.Errorf("IPO h %g: loss %g slope %g, want %g and %g", h, loss[i], slope[i], d*d,
				2*d/0.1)
		}
	}
	if _, _, err := c.LossCurve(backend, DPO, nil, 0); err == nil {
		t.Error("no margins: want an error")
	}
}
