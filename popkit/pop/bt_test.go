package pop

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestObjectiveGradient(t *testing.T) {
	comps := []Comparison{{0, 1, false}, {1, 2, false}, {2, 0, false}, {3, 1, false},
		{2, 3, true}, {0, 3, true}, {0, 1, false}}
	tests := []struct {
		name  string
		ridge float64
		u     []float64
	}{
		{"zero", 0, []float64{0, 0, 0, 0}},
		{"no ridge", 0, []float64{0.3, -1.2, 0.7, 2.1}},
		{"ridge", 0.5, []float64{0.3, -1.2, 0.7, 2.1}},
		// Gaps of +-30 and more: the softplus branches must stay exact, not overflow.
		{"large gaps", 0.1, []float64{30, -25, 4, -40}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj := newBTObjective(len(tc.u), comps, tc.ridge)
			grad := make([]float64, len(tc.u))
			obj.eval(tc.u, grad)
			// Central differences: truncation error h^2 f'''/6 ~ 1e-11 and rounding
			// ~ eps * f / h ~ 1e-14 * 100 / 1e-5 = 1e-9 for these values.
			const h = 1e-5
			scratch := make([]float64, len(tc.u))
			for i := range tc.u {
				up := append([]float64(nil), tc.u...)
				dn := append([]float64(nil), tc.u...)
				up[i] += h
				dn[i] -= h
				fd := (obj.eval(up, scratch) - obj.eval(dn, scratch)) / (2 * h)
				if math.Abs(fd-grad[i]) > 1e-7 {
					t.Errorf("d/du_%d: analytic %.10g, finite difference %.10g", i, grad[i], fd)
				}
			}
		})
	}
}

// refComps is a small connected comparison set over 6 preferences: the order 0 > 1 > ... > 5
// with two reversed outcomes (5>0 and 4>1), so the win graph is strongly connected and the
// maximum likelihood without ridge is finite. refTies adds two ties.
var (
	refComps = []Comparison{{0, 1, false}, {1, 2, false}, {2, 3, false}, {3, 4, false},
		{4, 5, false}, {0, 2, false}, {1, 3, false}, {2, 4, false}, {3, 5, false}, {0, 3, false},
		{5, 0, false}, {4, 1, false}}
	refTies = []Comparison{{1, 5, true}, {0, 4, true}}
)

// TestFitBradleyTerryReference compares the fit with an independent solver. The reference
// values come from this Python (numpy 1.24, scipy 1.10.1), which minimises the negated
// objective with BFGS, polishes the root of its gradient with scipy.optimize.root, pins
// u_5 = 0 instead of relying on centring when there is no ridge, and then centres:
//
//	import numpy as np
//	from scipy.optimize import minimize, root
//	from scipy.special import log_expit, expit
//	wins = [(0,1),(1,2),(2,3),(3,4),(4,5),(0,2),(1,3),(2,4),(3,5),(0,3),(5,0),(4,1)]
//	ties = [(1,5),(0,4)]
//	def fit(wins, ties, lam, n=6):
//	    def negL(v):
//	        u = np.append(v, 0.0) if lam == 0 else v
//	        f = -sum(log_expit(u[a]-u[b]) for a,b in wins)
//	        f -= sum(0.5*log_expit(u[a]-u[b]) + 0.5*log_expit(u[b]-u[a]) for a,b in ties)
//	        return f + 0.5*lam*np.dot(u,u)
//	    def grad(v):
//	        u = np.append(v, 0.0) if lam == 0 else v
//	        g = lam*u
//	        for a,b in wins:
//	            s = expit(-(u[a]-u[b])); g[a] -= s; g[b] += s
//	        for a,b in ties:
//	            t = 0.5 - expit(u[a]-u[b]); g[a] -= t; g[b] += t
//	        return g[:-1] if lam == 0 else g
//	    m = n-1 if lam == 0 else n
//	    r = minimize(negL, np.zeros(m), jac=grad, method='BFGS', options={'gtol':1e-13})
//	    r2 = root(grad, r.x, tol=1e-15)
//	    u = np.append(r2.x, 0.0) if lam == 0 else r2.x
//	    u = u - u.mean()
//	    return u, -negL(r2.x), np.abs(grad(r2.x)).max()
//
// It printed (u, then the maximised objective L, then the gradient's max norm):
//
//	wins, no ridge u = 0.936854972809, 0.118811546693, 0.118811546693, -0.362239718820,
//	  -0.186845204691, -0.625393142683 L = -7.642740573054 grad=1.1e-16
//	wins, ridge 0.5 u = 0.604581506414, 0.050087518993, 0.050087518993, -0.256835172938,
//	  -0.086122256223, -0.361799115239 L = -7.868529970131 grad=5.6e-17
//	wins+ties, no ridge u = 0.713697632174, -0.003142691716, 0.085962794843, -0.350653126511,
//	  -0.003142691716, -0.442721917075 L = -9.166587679595 grad=5.6e-17
//	wins+ties, ridge 0.5 u = 0.513528637930, -0.000941408639, 0.041696682455,
//	  -0.255074867852, -0.000941408639, -0.298267635255 L = -9.313840161264 grad=0.0e+00
func TestFitBradleyTerryReference(t *testing.T) {
	withTies := append(append([]Comparison(nil), refComps...), refTies...)
	tests := []struct {
		name  string
		comps []Comparison
		cfg   FitConfig
		u     []float64
		obj   float64
	}{
		{"wins, no ridge", refComps, FitConfig{NoRidge: true, GradTol: 1e-12},
			[]float64{0.936854972809, 0.118811546693, 0.118811546693, -0.362239718820,
				-0.186845204691, -0.625393142683}, -7.642740573054},
		{"wins, ridge 0.5", refComps, FitConfig{Ridge: 0.5, GradTol: 1e-12},
			[]float64{0.604581506414, 0.050087518993, 0.050087518993, -0.256835172938,
				-0.086122256223, -0.361799115239}, -7.868529970131},
		{"wins+ties, no ridge", withTies, FitConfig{NoRidge: true, GradTol: 1e-12},
			[]float64{0.713697632174, -0.003142691716, 0.085962794843, -0.350653126511,
				-0.003142691716, -0.442721917075}, -9.166587679595},
		{"wins+ties, ridge 0.5", withTies, FitConfig{Ridge: 0.5, GradTol: 1e-12},
			[]float64{0.513528637930, -0.000941408639, 0.041696682455, -0.255074867852,
				-0.000941408639, -0.298267635255}, -9.313840161264},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, rep, err := FitBradleyTerry(6, tc.comps, tc.cfg)
			if err != nil {
				t.Fatalf("%v (report %+v)", err, rep)
			}
			for i := range u {
				if math.Abs(u[i]-tc.u[i]) > 1e-6 {
					t.Errorf("u[%d] = %.12f, want %.12f", i, u[i], tc.u[i])
				}
			}
			if math.Abs(rep.Objective-tc.obj) > 1e-9 {
				t.Errorf("objective %.12f, want %.12f", rep.Objective, tc.obj)
			}
			if rep.GradNorm > 1e-12 || rep.Iterations == 0 || rep.Evaluations == 0 {
				t.Errorf("report %+v: want gradient norm <= 1e-12 after some iterations", rep)
			}
		})
	}
}

func TestFitBradleyTerryGraphReport(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		comps []Comparison
		want  FitReport // graph fields only
	}{
		// The reference set: one component of 6, strongly connected through 0>..>5>0.
		{"reference", 6, refComps, FitReport{Components: 1, LargestComponent: 6,
			StrongComponents: 1}},
		// 0>1, 1>2 and 3=4 (a tie links both ways), 5 untouched: components {0,1,2}, {3,4},
		// {5}; strong components {0}, {1}, {2}, {3,4}, {5}.
		{"chain, tie, untouched", 6, []Comparison{{0, 1, false}, {1, 2, false}, {3, 4, true}},
			FitReport{Components: 3, LargestComponent: 3, StrongComponents: 5, Untouched: 1}},
		// A 3-cycle plus 3>0: one component of 4; strong components {0,1,2} and {3}.
		{"only wins", 4, []Comparison{{0, 1, false}, {1, 2, false}, {2, 0, false},
			{3, 0, false}}, FitReport{Components: 1, LargestComponent: 4, StrongComponents: 2}},
		// No comparisons: every preference is its own component, and untouched.
		{"empty", 3, nil, FitReport{Components: 3, LargestComponent: 1, StrongComponents: 3,
			Untouched: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rep, _ := FitBradleyTerry(tc.n, tc.comps, FitConfig{})
			if rep.Components != tc.want.Components ||
				rep.LargestComponent != tc.want.LargestComponent ||
				rep.StrongComponents != tc.want.StrongComponents ||
				rep.Untouched != tc.want.Untouched {
				t.Errorf("report %+v, want graph counts %+v", rep, tc.want)
			}
		})
	}
}

func TestFitBradleyTerryK1Finite(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	s := distinct(1001, rng)
	comps, err := SimulateRandom(s, SimConfig{K: 1}, rng)
	if err != nil {
		t.Fatal(err)
	}

	u, rep, err := FitBradleyTerry(len(s), comps, FitConfig{})
	if err != nil {
		t.Fatalf("default ridge: %v", err)
	}
	// One random matching of 1001: 499 pairs and one triple (the odd one out joins a pair).
	if rep.Components != 500 || rep.LargestComponent != 3 || rep.Untouched != 0 {
		t.Errorf("report %+v, want 500 components, largest 3, none untouched", rep)
	}
	if rep.Ridge != DefaultRidge {
		t.Errorf("ridge %g, want the default %g", rep.Ridge, DefaultRidge)
	}
	for i, v := range u {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("u[%d] = %g", i, v)
		}
	}
	// With p = 0 every winner should score above its loser.
	for _, c := range comps {
		if u[c.Stronger] <= u[c.Weaker] {
			t.Errorf("comparison %v: u = %g, %g", c, u[c.Stronger], u[c.Weaker])
		}
	}

	// The same labels without ridge: every pair only wins or only loses.
	_, _, err = FitBradleyTerry(len(s), comps, FitConfig{NoRidge: true})
	if !errors.Is(err, ErrNeedsRidge) {
		t.Errorf("no ridge on a matching: error %v, want ErrNeedsRidge", err)
	}
}

func TestFitBradleyTerryNeedsRidge(t *testing.T) {
	cycle := []Comparison{{0, 1, false}, {1, 2, false}, {2, 0, false}}
	tests := []struct {
		name  string
		n     int
		comps []Comparison
		want  string
	}{
		{"a preference that only wins", 4, append(cycle[:3:3], Comparison{3, 0, false}),
			"2 strongly connected components (1 connected components, 0 untouched"},
		{"a single pair", 2, []Comparison{{0, 1, false}}, "2 strongly connected components"},
		{"disconnected", 6, append(cycle[:3:3], Comparison{3, 4, false}, Comparison{4, 5, false},
			Comparison{5, 3, false}), "(2 connected components, 0 untouched"},
		{"untouched", 4, cycle, "(2 connected components, 1 untouched preferences)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, _, err := FitBradleyTerry(tc.n, tc.comps, FitConfig{NoRidge: true})
			if !errors.Is(err, ErrNeedsRidge) {
				t.Fatalf("error %v, want ErrNeedsRidge", err)
			}
			wantErr(t, err, tc.want)
			if u != nil {
				t.Errorf("scores %v returned with an error", u)
			}

			// With the default ridge the same data give finite scores.
			u, _, err = FitBradleyTerry(tc.n, tc.comps, FitConfig{})
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range u {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("u[%d] = %g", i, v)
				}
			}
		})
	}

	// Under the ridge the preference that only wins (3: one win, no loss) scores above the
	// others, each of which has at most one win and at least one loss.
	u, _, err := FitBradleyTerry(4, append(cycle[:3:3], Comparison{3, 0, false}), FitConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if u[3] <= u[i] {
			t.Errorf("u = %v: the preference that only wins (3) is not on top", u)
		}
	}
}

func TestFitBradleyTerryErrors(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		comps []Comparison
		cfg   FitConfig
		want  string
	}{
		{"n=0", 0, nil, FitConfig{}, "needs at least 1 preference, got 0"},
		{"index too large", 3, []Comparison{{0, 1, false}, {1, 3, false}}, FitConfig{},
			"comparison 1 (1>3) has an index outside [0, 3)"},
		{"negative index", 3, []Comparison{{-1, 1, false}}, FitConfig{},
			"comparison 0 (-1>1) has an index outside [0, 3)"},
		{"self", 3, []Comparison{{2, 2, false}}, FitConfig{},
			"comparison 0 (2>2) compares preference 2 with itself"},
		{"negative ridge", 3, nil, FitConfig{Ridge: -1}, "FitConfig.Ridge = -1"},
		{"NaN ridge", 3, nil, FitConfig{Ridge: math.NaN()}, "FitConfig.Ridge = NaN"},
		{"ridge and NoRidge", 3, nil, FitConfig{Ridge: 1, NoRidge: true},
			"FitConfig.Ridge = 1 contradicts FitConfig.NoRidge"},
		{"negative GradTol", 3, nil, FitConfig{GradTol: -1}, "FitConfig.GradTol = -1"},
		{"negative MaxIterations", 3, nil, FitConfig{MaxIterations: -2},
			"FitConfig.MaxIterations = -2 is negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, _, err := FitBradleyTerry(tc.n, tc.comps, tc.cfg)
			wantErr(t, err, tc.want)
			if u != nil {
				t.Errorf("scores %v returned with an error", u)
			}
		})
	}
}

func TestFitBradleyTerryNotConverged(t *testing.T) {
	// One iteration cannot reach a gradient norm of 1e-12 on the reference set.
	u, rep, err := FitBradleyTerry(6, refComps, FitConfig{MaxIterations: 1, GradTol: 1e-12})
	if !errors.Is(err, ErrNotConverged) {
		t.Fatalf("error %v, want ErrNotConverged", err)
	}
	wantErr(t, err, "after 1 iterations")
	if u != nil || rep.Iterations != 1 || !(rep.GradNorm > 1e-12) {
		t.Errorf("u = %v, report %+v", u, rep)
	}
}

func TestFitBradleyTerryTrivial(t *testing.T) {
	// One preference, or no comparisons under a ridge: all scores 0, no error.
	for _, tc := range []struct {
		n   int
		cfg FitConfig
	}{{1, FitConfig{NoRidge: true}}, {1, FitConfig{}}, {5, FitConfig{}}} {
		u, _, err := FitBradleyTerry(tc.n, nil, tc.cfg)
		if err != nil || len(u) != tc.n {
			t.Fatalf("n = %d, %+v: %v, %v", tc.n, tc.cfg, u, err)
		}
		for _, v := range u {
			if v != 0 {
				t.Errorf("n = %d, %+v: u = %v, want zeros", tc.n, tc.cfg, u)
			}
		}
	}
}

// TestRecovery infers margins from noiseless PoP labels (K = 4) on 2,000 random ground-truth
// margins and checks that their ranks follow the truth.
func TestRecovery(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	truth := make([]float64, 2000)
	for i := range truth {
		truth[i] = 8 * rng.Float64() // margins on a 0-8 scale, all distinct
	}
	comps, err := SimulateRandom(truth, SimConfig{K: 4}, rng)
	if err != nil {
		t.Fatal(err)
	}
	scale := ScaleOf(truth)
	m, rep, err := InferMargins(len(truth), comps, FitConfig{}, scale)
	if err != nil {
		t.Fatalf("%v (report %+v)", err, rep)
	}
	// With 4 binary outcomes per preference the ranks are recovered only roughly; five seeds
	// of this set-up gave Spearman 0.880-0.887 (Pearson 0.880-0.885) when this was written.
	if rho := spearman(m, truth); rho < 0.8 {
		t.Errorf("Spearman(inferred, truth) = %.4f, want > 0.8", rho)
	}
	for i, v := range m {
		if v < 0 || v > scale.Max {
			t.Fatalf("m_hat[%d] = %g outside [0, %g]", i, v, scale.Max)
		}
	}
}

// BenchmarkFitBradleyTerry64k fits 64,000 preferences with K = 4 (128,000 comparisons, 10%
// flipped) under the default ridge.
func BenchmarkFitBradleyTerry64k(b *testing.B) {
	rng := rand.New(rand.NewPCG(10, 10))
	s := make([]float64, 64000)
	for i := range s {
		s[i] = rng.NormFloat64()
	}
	comps, err := SimulateRandom(s, SimConfig{K: 4, Noise: FlipNoise(0.1)}, rng)
	if err != nil {
		b.Fatal(err)
	}
	var rep FitReport
	for b.Loop() {
		_, rep, err = FitBradleyTerry(len(s), comps, FitConfig{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rep.Iterations), "iterations")
	b.ReportMetric(float64(rep.Evaluations), "evaluations")
}
