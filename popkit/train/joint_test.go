package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best unqualified.
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/poprlhf/sandbox/popkit/dpo"
	"github.com/poprlhf/sandbox/popkit/pop"
	"github.com/poprlhf/sandbox/popkit/prefdata"
)

func TestInferenceNames(t *testing.T) {
	cases := []struct {
		inf  Inference
		name string
	}{{Offline, "offline"}, {Online, "online"}, {Implicit, "implicit"}}
	if got := InferenceNames(); len(got) != len(cases) {
		t.Fatalf("InferenceNames() = %v, want %d names", got, len(cases))
	}
	for k, c := range cases {
		if got := c.inf.String(); got != c.name {
			t.Errorf("Inference(%d).String() = %q, want %q", int(c.inf), got, c.name)
		}
		if got := InferenceNames()[k]; got != c.name {
			t.Errorf("InferenceNames()[%d] = %q, want %q", k, got, c.name)
		}
		if got, err := ParseInference(c.name); err != nil || got != c.inf {
			t.Errorf("ParseInference(%q) = %v, %v; want %v", c.name, got, err, c.inf)
		}
		if err := c.inf.Validate(); err != nil {
			t.Errorf("%v.Validate() = %v", c.inf, err)
		}
	}
	if got := Inference(7).String(); got != "Inference(7)" {
		t.Errorf("Inference(7).String() = %q", got)
	}
	_, err := ParseInference("bt")
	want := `train: unknown inference "bt" (valid: offline, online, implicit)`
	if err == nil || err.Error() != want {
		t.Errorf("ParseInference(\"bt\") error %v, want %q", err, want)
	}
	if err := Inference(-1).Validate(); err == nil {
		t.Error("Inference(-1).Validate(): no error")
	}
}

func TestJointConfigNormalized(t *testing.T) {
	got := JointConfig{}.Normalized(6)
	// Each default is the one documented on its field.
	want := JointConfig{Tau: 0.99, Lambda: 1, Ridge: pop.DefaultRidge, ComparisonsPerStep: 6,
		ScoreLearningRate: 0.05}
	if got != want {
		t.Errorf("Normalized(6) = %+v, want %+v", got, want)
	}
	set := JointConfig{Inference: Implicit, Tau: 0.5, Lambda: 2, Ridge: 1, ComparisonsPerStep: 3,
		ScoreLearningRate: 0.1}
	if got := set.Normalized(6); got != set {
		t.Errorf("Normalized changed set fields: %+v -> %+v", set, got)
	}
}

func TestJointConfigValidate(t *testing.T) {
	cases := []struct {
		jc   JointConfig
		want string // substring of the error; "" for none
	}{
		{JointConfig{}, ""},
		{JointConfig{Inference: Implicit, Tau: 0.5}, ""},
		{JointConfig{Inference: 3}, "Inference = 3 is unknown"},
		{JointConfig{Tau: 1}, "Tau = 1 must lie in (0, 1)"},
		{JointConfig{Tau: -0.1}, "Tau = -0.1 must lie in (0, 1)"},
		{JointConfig{Tau: math.NaN()}, "Tau = NaN"},
		{JointConfig{Lambda: -1}, "Lambda = -1 must be positive"},
		{JointConfig{Lambda: math.Inf(1)}, "Lambda = +Inf must be positive"},
		{JointConfig{Ridge: -0.5}, "Ridge = -0.5 must be positive"},
		{JointConfig{ComparisonsPerStep: -2}, "ComparisonsPerStep = -2 must be >= 1"},
		{JointConfig{ScoreLearningRate: -1e-3}, "ScoreLearningRate = -0.001 must be positive"},
	}
	for _, c := range cases {
		err := c.jc.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: unexpected error %v", c.jc, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: error %v, want one containing %q", c.jc, err, c.want)
		}
	}
}

// TestPreferenceJointInputErrors checks each documented input error; all are found before
// any training, so no backend or reference is needed.
func TestPreferenceJointInputErrors(t *testing.T) {
	pairs := make([]prefdata.Pair, 3)
	zeros := []float64{0, 0, 0}
	good := Pairs{Pairs: pairs, RefChosen: zeros, RefRejected: zeros, Method: dpo.PoP}
	comps := []pop.Comparison{{Stronger: 0, Weaker: 1}}
	scale := pop.Scale{Mean: 2, Std: 1, Max: 9}
	online := JointConfig{Inference: Online}
	cases := []struct {
		name  string
		data  Pairs
		comps []pop.Comparison
		scale pop.Scale
		jc    JointConfig
		cfg   Config
		want  string
	}{
		{"index too large", good, []pop.Comparison{{Stronger: 0, Weaker: 3}}, scale, online,
			Config{}, "train: comparison 0 (0>3) has an index outside [0, 3)"},
		{"negative index", good, []pop.Comparison{comps[0], {Stronger: -1, Weaker: 2}}, scale,
			online, Config{}, "train: comparison 1 (-1>2) has an index outside [0, 3)"},
		{"self comparison", good, []pop.Comparison{{Stronger: 2, Weaker: 2, Tie: true}}, scale,
			online, Config{}, "train: comparison 0 (2=2) compares pair 2 with itself"},
		{"no comparisons online", good, nil, scale, online, Config{},
			"train: online inference needs PoP comparisons, got none"},
		{"no comparisons implicit", good, nil, scale, JointConfig{Inference: Implicit}, Config{},
			"train: implicit inference needs PoP comparisons, got none"},
		{"wrong method", Pairs{Pairs: pairs, RefChosen: zeros, RefRejected: zeros}, comps,
			scale, online, Config{}, "train: online inference trains method pop, got " +
				"Pairs.Method dpo"},
		{"short reference", Pairs{Pairs: pairs, RefChosen: zeros[:2], RefRejected: zeros,
			Method: dpo.PoP}, comps, scale, online, Config{},
			"train: 3 pairs but 2 reference chosen"},
		{"bad scale", good, comps, pop.Scale{Mean: 1, Std: -1}, online, Config{},
			"pop: Scale.Std = -1 must be finite and >= 0"},
		{"bad joint config", good, comps, scale, JointConfig{Inference: Online, Tau: 2},
			Config{}, "train: JointConfig.Tau = 2 must lie in (0, 1)"},
		{"bad config", good, comps, scale, online, Config{BatchSize: -1},
			"train: BatchSize must be >= 1, got -1"},
		{"offline checks offsets", good, comps, scale, JointConfig{}, Config{},
			"train: 3 pairs but 3 reference chosen, 3 reference rejected and 0 offsets"},
	}
	for _, c := range cases {
		_, _, err := PreferenceJoint(context.Background(), nil, &Model{}, c.data, c.comps,
			c.scale, c.jc, c.cfg)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one starting %q", c.name, err, c.want)
		}
	}
}

// TestOnlineOffsetsMatchCalibrate runs the in-graph mapping of averaged scores to offsets and
// compares it with the host path of offline margins, pop.Calibrate then dpo.Config.Offsets
// (an independent implementation in float64).
func TestOnlineOffsetsMatchCalibrate(t *testing.T) {
	b := testBackend(t)
	cases := []struct {
		name      string
		u         []float64
		scale     pop.Scale
		alpha, hi float64
	}{
		{"spread", []float64{-1, 0.5, 2, 0}, pop.Scale{Mean: 2, Std: 1.5, Max: 9}, 0.5, 9},
		{"clips both ends", []float64{-3, 0, 3}, pop.Scale{Mean: 1, Std: 4, Max: 4}, 1, 4},
		{"no spread", []float64{0, 0, 0}, pop.Scale{Mean: 2.5, Std: 1, Max: 9}, 0.5, 9},
		{"mean above the clip", []float64{0, 0}, pop.Scale{Mean: 12, Std: 1}, 0.5, 9},
		{"one pair", []float64{3}, pop.Scale{Mean: 2, Std: 1, Max: 9}, 0.5, 9},
	}
	for _, c := range cases {
		u32 := make([]float32, len(c.u))
		for i, v := range c.u {
			u32[i] = float32(v)
		}
		got := tensors.MustCopyFlatData[float32](MustExecOnce(b, func(u *Node) *Node {
			return onlineOffsets(u, c.scale, c.alpha, c.hi)
		}, u32))
		margins := pop.Calibrate(c.u, c.scale)
		want, err := dpo.Config{Alpha: c.alpha, MaxMargin: c.hi}.Offsets(dpo.PoP, len(c.u), nil,
			margins)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if math.Abs(float64(got[i])-want[i]) > 1e-5 {
				t.Errorf("%s: delta[%d] = %g, want %g (host calibration)", c.name, i, got[i],
					want[i])
			}
		}
	}
}

// jointFixture trains a small reference (a few SFT steps: the tests below do not need a good
// one) on the first n synthetic pairs and returns it with the pairs' reference log-probs.
func jointFixture(t *testing.T, b compute.Backend, n int, cfg Config) (*Model, Pairs) {
	t.Helper()
	pairs := tinyPairs(t)[:n]
	ref, err := Reference(context.Background(), b, pairs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	refC, refR, err := ref.LogProbs(b, pairs, 8)
	if err != nil {
		t.Fatal(err)
	}
	return ref, Pairs{Pairs: pairs, RefChosen: refC, RefRejected: refR, Method: dpo.PoP}
}

// spearman returns Spearman's rank correlation of x and y, with tied values given their mean
// rank.
func spearman(x, y []float64) float64 {
	rank := func(v []float64) []float64 {
		idx := make([]int, len(v))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
		r := make([]float64, len(v))
		for lo := 0; lo < len(idx); {
			hi := lo
			for hi+1 < len(idx) && v[idx[hi+1]] == v[idx[lo]] {
				hi++
			}
			for k := lo; k <= hi; k++ {
				r[idx[k]] = float64(lo+hi)/2 + 1
			}
			lo = hi + 1
		}
		return r
	}
	rx, ry := rank(x), rank(y)
	mx, my := mean(rx), mean(ry)
	var sxy, sxx, syy float64
	for i := range rx {
		sxy += (rx[i] - mx) * (ry[i] - my)
		sxx += (rx[i] - mx) * (rx[i] - mx)
		syy += (ry[i] - my) * (ry[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

func TestSpearmanHelper(t *testing.T) {
	// By hand: x ranks (1, 2, 3, 4), y ranks (1, 3, 2, 4); sum d^2 = 2, so
	// rho = 1 - 6*2/(4*15) = 0.8.
	if got := spearman([]float64{1, 2, 3, 4}, []float64{10, 30, 20, 40}); math.Abs(got-0.8) > 1e-12 {
		t.Errorf("spearman = %g, want 0.8", got)
	}
	// Ties: x ranks (1.5, 1.5, 3) against (1, 2, 3): Pearson of centred (-0.5, -0.5, 1) and
	// (-1, 0, 1) is 1.5 / sqrt(1.5 * 2) = 0.8660.
	got := spearman([]float64{5, 5, 7}, []float64{1, 2, 3})
	if math.Abs(got-math.Sqrt(0.75)) > 1e-12 {
		t.Errorf("spearman with ties = %g, want %g", got, math.Sqrt(0.75))
	}
}

// TestOnlineLearnsScores trains Online on 40 pairs with noiseless PoP labels (k = 4) for 30
// steps and checks that the learned scores order the pairs like their true margins.
func TestOnlineLearnsScores(t *testing.T) {
	cfg := tinyConfig(5)
	cfg.SFTSteps = 5
	cfg.PreferenceSteps = 30
	b := testBackend(t)
	deadline(t, 2*time.Minute, func() {
		ref, data := jointFixture(t, b, 40, cfg)
		truth := prefdata.Margins(data.Pairs)
		comps, err := pop.SimulateRandom(truth, pop.SimConfig{K: 4}, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Error(err)
			return
		}
		var losses []float64
		cfg.Progress = func(p Progress) { losses = append(losses, p.Loss) }
		jc := JointConfig{Inference: Online, ComparisonsPerStep: 16}
		pol, rep, err := PreferenceJoint(context.Background(), b, ref, data, comps,
			pop.ScaleOf(truth), jc, cfg)
		if err != nil {
			t.Error(err)
			return
		}
		for _, l := range losses {
			if math.IsNaN(l) || math.IsInf(l, 0) {
				t.Errorf("non-finite loss %g", l)
			}
		}
		for _, s := range [][]float64{rep.Scores, rep.Averaged, rep.Margins, rep.Offsets} {
			if len(s) != len(truth) {
				t.Fatalf("report has a slice of %d entries, want %d", len(s), len(truth))
			}
		}
		// The reference to beat: the offline fit on the same labels. Spearman > 0.3 is the
		// bar the online scores must clear after 30 steps (480 comparison draws, 6 per label).
		bt, _, err := pop.FitBradleyTerry(len(truth), comps, pop.FitConfig{})
		if err != nil {
			t.Error(err)
			return
		}
		rhoU, rhoBar, rhoBT := spearman(rep.Scores, truth), spearman(rep.Averaged, truth),
			spearman(bt, truth)
		t.Logf("Spearman with true margins: u %.3f, u_bar %.3f, offline BT %.3f", rhoU, rhoBar,
			rhoBT)
		if !(rhoU > 0.3) {
			t.Errorf("Spearman(u, m*) = %.3f, want > 0.3", rhoU)
		}
		if !(rhoBar > 0) {
			t.Errorf("Spearman(u_bar, m*) = %.3f, want > 0", rhoBar)
		}
		hi := dpo.DefaultAlpha * dpo.DefaultMaxMargin
		for i, d := range rep.Offsets {
			if !(d >= 0 && d <= hi) {
				t.Errorf("offset %d = %g outside [0, alpha*M = %g]", i, d, hi)
			}
		}
		for v := range pol.Store.IterVariables() {
			if !strings.HasPrefix(v.Scope(), "/"+PolicyScope) {
				t.Errorf("returned policy keeps %s", v.Path())
			}
		}
	})
}

// TestOnlineFirstStep checks one Online step by hand. Adam's first step moves each parameter
// by lr * g / (|g| + eps) (debiased moments m = g, v = g^2), about lr * sign(g); in u units
// that is ScoreLearningRate, so every |u_i| is 0 (no comparison drawn, or gradients that
// cancel) or at most ScoreLearningRate, and at least one equals it. With tau = 0.5 and
// u_bar = 0 before the step, u_bar = 0.5*0 + 0.5*u = u/2 afterwards.
func TestOnlineFirstStep(t *testing.T) {
	cfg := tinyConfig(6)
	cfg.SFTSteps = 2
	cfg.PreferenceSteps = 1
	b := testBackend(t)
	deadline(t, time.Minute, func() {
		ref, data := jointFixture(t, b, 8, cfg)
		comps := []pop.Comparison{{Stronger: 0, Weaker: 1}, {Stronger: 2, Weaker: 3},
			{Stronger: 4, Weaker: 5, Tie: true}, {Stronger: 6, Weaker: 7}}
		jc := JointConfig{Inference: Online, Tau: 0.5, ScoreLearningRate: 0.05}
		_, rep, err := PreferenceJoint(context.Background(), b, ref, data, comps,
			pop.Scale{Mean: 2, Std: 1, Max: 9}, jc, cfg)
		if err != nil {
			t.Error(err)
			return
		}
		largest := 0.0
		for i, u := range rep.Scores {
			if math.Abs(rep.Averaged[i]-0.5*u) > 1e-7 {
				t.Errorf("u_bar[%d] = %g, want 0.5 * u = %g", i, rep.Averaged[i], 0.5*u)
			}
			if math.Abs(u) > 0.05*(1+1e-4) {
				t.Errorf("|u[%d]| = %g exceeds one Adam step of 0.05", i, math.Abs(u))
			}
			largest = max(largest, math.Abs(u))
		}
		if math.Abs(largest-0.05) > 0.05*1e-3 {
			t.Errorf("largest |u| = %g, want one Adam step, 0.05", largest)
		}
		// A strict label moves its stronger pair up and its weaker pair down; a tie at
		// u_s = u_w has gradient 0.5 - sigmoid(0) = 0 and does not move.
		for _, c := range comps {
			us, uw := rep.Scores[c.Stronger], rep.Scores[c.Weaker]
			if !c.Tie && (us < 0 || uw > 0) {
				t.Errorf("%v: u_s = %g, u_w = %g; want u_s >= 0 >= u_w", c, us, uw)
			}
			if c.Tie && (us != 0 || uw != 0) {
				t.Errorf("%v: tied pairs moved to %g, %g", c, us, uw)
			}
		}
		want := pop.Calibrate(rep.Averaged, pop.Scale{Mean: 2, Std: 1, Max: 9})
		if !slices.Equal(want, rep.Margins) {
			t.Errorf("margins %v, want pop.Calibrate(u_bar) = %v", rep.Margins, want)
		}
	})
}

// implicitMargins returns h_i / beta = rho_w,i - rho_l,i of pairs idx under pol.
func implicitMargins(t *testing.T, b compute.Backend, pol *Model, data Pairs) []float64 {
	t.Helper()
	c, r, err := pol.LogProbs(b, data.Pairs, 8)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, len(c))
	for i := range out {
		out[i] = (c[i] - data.RefChosen[i]) - (r[i] - data.RefRejected[i])
	}
	return out
}

// TestImplicitRankingDirection trains Implicit for one step twice from one reference with one
// seed (so the same DPO batch), once with the label "0 stronger than 1" and once with the
// reverse, and checks that the ranking term pushes h_0 - h_1 the labelled way: the first run
// ends with a larger h_0 - h_1 than the second. Losses must be finite, and h_bar finite.
func TestImplicitRankingDirection(t *testing.T) {
	cfg := tinyConfig(7)
	cfg.SFTSteps = 5
	cfg.PreferenceSteps = 1
	cfg.PreferenceLearningRate = 1e-3
	b := testBackend(t)
	deadline(t, 2*time.Minute, func() {
		ref, data := jointFixture(t, b, 12, cfg)
		var gap [2]float64
		for k, c := range []pop.Comparison{{Stronger: 0, Weaker: 1}, {Stronger: 1, Weaker: 0}} {
			var losses []float64
			run := cfg
			run.Progress = func(p Progress) { losses = append(losses, p.Loss) }
			jc := JointConfig{Inference: Implicit, ComparisonsPerStep: 1}
			pol, rep, err := PreferenceJoint(context.Background(), b, ref, data,
				[]pop.Comparison{c}, pop.Scale{}, jc, run)
			if err != nil {
				t.Error(err)
				return
			}
			for _, l := range losses {
				if math.IsNaN(l) || math.IsInf(l, 0) || l <= 0 {
					t.Errorf("%v: loss %g, want finite and positive", c, l)
				}
			}
			for i, h := range rep.Averaged {
				if math.IsNaN(h) || math.IsInf(h, 0) {
					t.Errorf("%v: h_bar[%d] = %g", c, i, h)
				}
			}
			if rep.Scores != nil || rep.Margins != nil || len(rep.Offsets) != len(data.Pairs) {
				t.Errorf("%v: implicit report %+v, want no scores or margins, zero offsets",
					c, rep)
			}
			h := implicitMargins(t, b, pol, data)
			gap[k] = h[0] - h[1]
		}
		t.Logf("rho_0 - rho_1 after training: label 0>1 %.4f, label 1>0 %.4f", gap[0], gap[1])
		if !(gap[0] > gap[1]) {
			t.Errorf("h_0 - h_1 is %.4g with label 0>1 and %.4g with 1>0; want the first "+
				"larger", gap[0], gap[1])
		}
	})
}

// TestImplicitPolyakTargets checks the h_bar table by hand with tau = 0.5. Step 1 starts
// from the reference, where every h_i is 0, so after it h_bar = 0.5*0 + 0.5*0 = 0 (up to the
// float32 rounding of log-probs packed differently). Step 2 sees h_i of the policy P1 left
// by step 1, so after two steps h_bar_i is 0.5 * h_i(P1) for the pairs of step 2 and stays
// 0 for the others; h_i(P1) is measured on P1 from a one-step run with the same seed.
func TestImplicitPolyakTargets(t *testing.T) {
	cfg := tinyConfig(10)
	cfg.SFTSteps = 5
	cfg.PreferenceLearningRate = 1e-3
	b := testBackend(t)
	deadline(t, 2*time.Minute, func() {
		ref, data := jointFixture(t, b, 10, cfg)
		comps := []pop.Comparison{{Stronger: 2, Weaker: 3}, {Stronger: 5, Weaker: 4}}
		jc := JointConfig{Inference: Implicit, Tau: 0.5}
		var h1 []float64
		for steps := 1; steps <= 2; steps++ {
			run := cfg
			run.PreferenceSteps = steps
			pol, rep, err := PreferenceJoint(context.Background(), b, ref, data, comps,
				pop.Scale{}, jc, run)
			if err != nil {
				t.Error(err)
				return
			}
			if steps == 1 {
				for i, hb := range rep.Averaged {
					if math.Abs(hb) > 1e-4 {
						t.Errorf("after step 1, h_bar[%d] = %g, want 0", i, hb)
					}
				}
				h1 = implicitMargins(t, b, pol, data)
				continue
			}
			seen := 0
			for i, hb := range rep.Averaged {
				want := 0.5 * dpo.DefaultBeta * h1[i]
				// A pair of step 2 matches 0.5 * h(P1); it counts as seen when that target is
				// clearly away from the 0 of the pairs not yet drawn.
				switch {
				case math.Abs(hb-want) <= 1e-3*(1+math.Abs(want)):
					if math.Abs(want) > 1e-4 {
						seen++
					}
				case math.Abs(hb) > 1e-4:
					t.Errorf("after step 2, h_bar[%d] = %g, want 0 or 0.5 * h(P1) = %g", i, hb,
						want)
				}
			}
			t.Logf("after step 2, %d of %d h_bar entries equal 0.5 * h(P1)", seen, len(h1))
			if seen == 0 {
				t.Error("after step 2, no h_bar equals 0.5 * h(P1)")
			}
		}
	})
}

// TestOfflineIsPreference checks that Offline is Preference: same seed, same weights.
func TestOfflineIsPreference(t *testing.T) {
	cfg := tinyConfig(8)
	cfg.SFTSteps = 2
	cfg.PreferenceSteps = 2
	b := testBackend(t)
	deadline(t, time.Minute, func() {
		ref, data := jointFixture(t, b, 8, cfg)
		data.Offsets = []float64{0, 0.5, 1, 1.5, 2, 0, 1, 3}
		pa, err := Preference(context.Background(), b, ref, data, cfg)
		if err != nil {
			t.Error(err)
			return
		}
		pb, rep, err := PreferenceJoint(context.Background(), b, ref, data, nil,
			pop.Scale{}, JointConfig{}, cfg)
		if err != nil {
			t.Error(err)
			return
		}
		if !slices.Equal(rep.Offsets, data.Offsets) {
			t.Errorf("offline report offsets %v, want data.Offsets", rep.Offsets)
		}
		la, lb := implicitMargins(t, b, pa, data), implicitMargins(t, b, pb, data)
		if !slices.Equal(la, lb) {
			t.Errorf("offline joint training differs from Preference: %v vs %v", lb, la)
		}
	})
}

// TestJointNonFiniteStops checks that a NaN reference log-prob stops Online at once.
func TestJointNonFiniteStops(t *testing.T) {
	cfg := tinyConfig(9)
	cfg.SFTSteps = 2
	b := testBackend(t)
	deadline(t, time.Minute, func() {
		ref, data := jointFixture(t, b, 4, cfg)
		data.RefChosen = []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN()}
		_, _, err := PreferenceJoint(context.Background(), b, ref, data,
			[]pop.Comparison{{Stronger: 0, Weaker: 1}}, pop.Scale{Mean: 1, Std: 1},
			JointConfig{Inference: Online}, cfg)
		if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "step 1") {
			t.Errorf("error %v, want ErrNonFinite at step 1", err)
		}
	})
}

func ExampleParseInference() {
	for _, name := range InferenceNames() {
		inf, err := ParseInference(name)
		fmt.Println(int(inf), inf, err)
	}
	_, err := ParseInference("bradley-terry")
	fmt.Println(err)
	// Output:
	// 0 offline <nil>
	// 1 online <nil>
	// 2 implicit <nil>
	// train: unknown inference "bradley-terry" (valid: offline, online, implicit)
}

func ExampleJointConfig_Normalized() {
	jc := JointConfig{Inference: Online, Tau: 0.9}.Normalized(8)
	fmt.Printf("%v tau=%g lambda=%g ridge=%g comparisons/step=%d score lr=%g\n", jc.Inference,
		jc.Tau, jc.Lambda, jc.Ridge, jc.ComparisonsPerStep, jc.ScoreLearningRate)
	// Output:
	// online tau=0.9 lambda=1 ridge=0.1 comparisons/step=8 score lr=0.05
}

// ExamplePreferenceJoint shows the input checks that run before any training: comparisons
// must name training pairs.
func ExamplePreferenceJoint() {
	pairs := make([]prefdata.Pair, 2)
	data := Pairs{Pairs: pairs, RefChosen: []float64{-3, -4}, RefRejected: []float64{-5, -4},
		Method: dpo.PoP}
	comps := []pop.Comparison{{Stronger: 0, Weaker: 2}}
	_, _, err := PreferenceJoint(context.Background(), nil, &Model{}, data, comps,
		pop.Scale{Mean: 2, Std: 1}, JointConfig{Inference: Implicit}, Config{})
	fmt.Println(err)
	// Output:
	// train: comparison 0 (0>2) has an index outside [0, 2)
}
