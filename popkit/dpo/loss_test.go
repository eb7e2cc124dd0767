package dpo

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	_ "github.com/gomlx/compute/gobackend"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"
)

// testBackend returns the Go backend with sequential op execution, one of the configurations
// that cannot deadlock (see popkit/backend).
func testBackend(t *testing.T) compute.Backend {
	t.Helper()
	b, err := compute.NewWithConfig("go:ops_sequential")
	if err != nil {
		t.Fatalf("backend: %v", err)
	}
	return b
}

// lossCase is one pair: log-probs under policy and reference, an offset, and the loss and
// implicit margin derived by hand.
type lossCase struct {
	name                   string
	pc, pr, rc, rr, offset float64
	wantH, wantLoss        float64
}

// lossCases, each derived by hand with beta = 0.1 (the logs evaluated with Python's math.log1p):
//
//	h = 0.1 * ((pc - rc) - (pr - rr)),  loss = log(1 + exp(offset - h))
var lossCases = []lossCase{
	// Policy equals reference: h = 0, loss = log 2 = 0.693147180559945.
	{"at reference", -10, -12, -10, -12, 0, 0, math.Ln2},
	// rho_w = -5 - (-10) = 5, rho_l = -12 - (-12) = 0: h = 0.5; loss = log(1 + e^-0.5)
	// = log(1.606530659712633) = 0.474076984180887.
	{"chosen up", -5, -12, -10, -12, 0, 0.5, 0.474076984180887},
	// Same h = 0.5 with offset 0.5: the margin exactly cancels it, loss = log 2.
	{"offset cancels", -5, -12, -10, -12, 0.5, 0.5, math.Ln2},
	// rho_w = 0, rho_l = -20 - (-12) = -8: h = 0.8; offset 2: loss = log(1 + e^1.2)
	// = log(4.320116922736547) = 1.463282467338031.
	{"offset exceeds margin", -10, -20, -10, -12, 2, 0.8, 1.463282467338031},
	// Extreme margin: h = 0.1 * (0 - (-10000)) = 1000 with offset 0: loss = log(1 + e^-1000),
	// which underflows to 0 in float64 and must not be NaN.
	{"extreme positive", -10, -10010, -10, -10, 0, 1000, 0},
	// h = -1000, offset 0: loss = log(1 + e^1000) = 1000 + log(1 + e^-1000) = 1000 exactly in
	// float64; a naive log(1 + exp(z)) would give +Inf.
	{"extreme negative", -10010, -10, -10, -10, 0, -1000, 1000},
}

func TestLossMatchesHandDerivation(t *testing.T) {
	backend := testBackend(t)
	n := len(lossCases)
	col := func(f func(c lossCase) float64) []float64 {
		out := make([]float64, n)
		for i, c := range lossCases {
			out[i] = f(c)
		}
		return out
	}
	outs := MustExecOnceN(backend, func(pc, pr, rc, rr, off *Node) (*Node, *Node) {
		lp := LogProbs{pc, pr, rc, rr}
		w, l := ImplicitRewards(0.1, lp)
		return Loss(0.1, lp, off), Sub(w, l)
	},
		col(func(c lossCase) float64 { return c.pc }), col(func(c lossCase) float64 { return c.pr }),
		col(func(c lossCase) float64 { return c.rc }), col(func(c lossCase) float64 { return c.rr }),
		col(func(c lossCase) float64 { return c.offset }))
	losses := tensors.MustCopyFlatData[float64](outs[0])
	margins := tensors.MustCopyFlatData[float64](outs[1])
	for i, c := range lossCases {
		if math.Abs(margins[i]-c.wantH) > 1e-9*math.Max(1, math.Abs(c.wantH)) {
			t.Errorf("%s: h = %.12g, want %.12g", c.name, margins[i], c.wantH)
		}
		if math.IsNaN(losses[i]) || math.Abs(losses[i]-c.wantLoss) > 1e-9*math.Max(1, c.wantLoss) {
			t.Errorf("%s: loss = %.15g, want %.15g", c.name, losses[i], c.wantLoss)
		}
	}
}

// TestLossGradient checks d loss / d h = -sigmoid(delta - h), derived from
// d/dz log(1 + e^z) = sigmoid(z) with z = delta - h. Differentiating with respect to the
// policy's chosen log-prob multiplies by dh/d(pc) = beta, and with respect to the rejected one
// by -beta.
func TestLossGradient(t *testing.T) {
	backend := testBackend(t)
	const beta = 0.1
	// h = 0.1 * ((-5 + 10) - (-12 + 12)) = 0.5 and offsets 0, 0.5, 2:
	// sigmoid(-0.5) = 0.377540668798145, sigmoid(0) = 0.5, sigmoid(1.5) = 0.817574476193644.
	wantDLdH := []float64{-0.377540668798145, -0.5, -0.817574476193644}
	outs := MustExecOnceN(backend, func(pc, pr, rc, rr, off *Node) (*Node, *Node) {
		loss := ReduceAllSum(Loss(beta, LogProbs{pc, pr, rc, rr}, off))
		grads := Gradient(loss, pc, pr)
		return grads[0], grads[1]
	}, []float64{-5, -5, -5}, []float64{-12, -12, -12}, []float64{-10, -10, -10},
		[]float64{-12, -12, -12}, []float64{0, 0.5, 2})
	gChosen := tensors.MustCopyFlatData[float64](outs[0])
	gRejected := tensors.MustCopyFlatData[float64](outs[1])
	for i, want := range wantDLdH {
		if math.Abs(gChosen[i]-beta*want) > 1e-12 {
			t.Errorf("offset case %d: dL/d(policy chosen) = %.15g, want %.15g", i, gChosen[i], beta*want)
		}
		if math.Abs(gRejected[i]+beta*want) > 1e-12 {
			t.Errorf("offset case %d: dL/d(policy rejected) = %.15g, want %.15g", i, gRejected[i],
				-beta*want)
		}
	}
}

func TestMetrics(t *testing.T) {
	backend := testBackend(t)
	// Two pairs with beta = 0.1:
	//   pair 0: r_w = 0.1*(-5+10) = 0.5, r_l = 0.1*(-12+12) = 0,   h = 0.5,  correct
	//   pair 1: r_w = 0.1*(-10+10) = 0,  r_l = 0.1*(-8+12) = 0.4,  h = -0.4, wrong
	// loss: log(1+e^-0.5) = 0.474076984180887 and log(1+e^0.4) = 0.913015252399953 (offsets 0),
	// mean 0.693546118290030 (values checked with Python: math.log1p(math.exp(z))).
	outs := MustExecOnceN(backend, func(pc, pr, rc, rr, off *Node) []*Node {
		lp := LogProbs{pc, pr, rc, rr}
		return Metrics(0.1, lp, off, Loss(0.1, lp, off))
	}, []float64{-5, -10}, []float64{-12, -8}, []float64{-10, -10}, []float64{-12, -12},
		[]float64{0, 0})
	want := map[string]float64{
		MetricLoss: 0.693546118290030, MetricRewardsChosen: 0.25, MetricRewardsRejected: 0.2,
		MetricRewardsMargins: 0.05, MetricRewardsAccuracy: 0.5, MetricLogpsChosen: -7.5,
		MetricLogpsRejected: -10, MetricOffsets: 0,
	}
	if len(outs) != len(MetricNames) {
		t.Fatalf("got %d metrics, want %d", len(outs), len(MetricNames))
	}
	for i, name := range MetricNames {
		got := tensors.ToScalar[float64](outs[i])
		if math.Abs(got-want[name]) > 1e-12 {
			t.Errorf("%s = %.15g, want %.15g", name, got, want[name])
		}
	}
}

// TestMethodLosses checks Config.Loss for the objectives that are not plain margin-DPO, with
// beta = 0.1 and epsilon = 0.1, on three pairs whose log-ratio differences are
// d = (pc - rc) - (pr - rr) = 0, 5 and 8 (h = beta * d = 0, 0.5, 0.8) and offsets 0:
//
//	IPO: (d - 1/(2 beta))^2 = (d - 5)^2 = 25, 0, 9.
//	cDPO: (1-eps) softplus(-h) + eps softplus(h) = softplus(-h) + eps h (since softplus(h) =
//	h + softplus(-h)) = log 2 = 0.693147180559945, 0.474076984180887 + 0.05 =
//	0.524076984180887, and log(1 + e^-0.8) + 0.08 = 0.371100665947778 + 0.08 = 0.451100665947778.
//	The plain methods equal Loss: log 2, 0.474076984180887, 0.371100665947778.
func TestMethodLosses(t *testing.T) {
	backend := testBackend(t)
	want := map[Method][]float64{
		IPO:          {25, 0, 9},
		Conservative: {math.Ln2, 0.524076984180887, math.Log1p(math.Exp(-0.8)) + 0.08},
		PoP:          {math.Ln2, 0.474076984180887, math.Log1p(math.Exp(-0.8))},
	}
	cfg := Config{Beta: 0.1, Smoothing: 0.1}
	for m, w := range want {
		out := MustExecOnceN(backend, func(pc, pr, rc, rr, off *Node) *Node {
			return cfg.Loss(m, LogProbs{pc, pr, rc, rr}, off)
		}, []float64{-10, -5, -10}, []float64{-12, -12, -20}, []float64{-10, -10, -10},
			[]float64{-12, -12, -12}, []float64{0, 0, 0})
		got := tensors.MustCopyFlatData[float64](out[0])
		for i := range w {
			if math.Abs(got[i]-w[i]) > 1e-12 {
				t.Errorf("%s pair %d: loss %.15g, want %.15g", m, i, got[i], w[i])
			}
		}
	}
}

func TestLossPanicsOnMismatchedShapes(t *testing.T) {
	g := NewGraph(testBackend(t), "mismatch")
	defer g.Finalize()
	two := Zeros(g, shapes.Make(dtypes.Float64, 2))
	three := Zeros(g, shapes.Make(dtypes.Float64, 3))
	defer func() {
		msg := fmt.Sprint(recover())
		if !strings.HasPrefix(msg, "dpo: log-probs and offsets must be float vectors") {
			t.Fatalf("panic %q is not the documented shape check", msg)
		}
	}()
	Loss(0.1, LogProbs{two, three, two, two}, two)
}
