package eval

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestEvaluateGenerations(t *testing.T) {
	// Four prompts, by hand:
	//   r:       0.9  0.5  0.5  0.2
	//   r_ref:   0.4  0.5  0.7  0.1   -> win, tie, loss, win: (1 + 0.5 + 0 + 1) / 4 = 0.625
	//   mean r:  (0.9 + 0.5 + 0.5 + 0.2) / 4 = 0.525
	//   logp:    -3   -5   -2   -10
	//   ref:     -4   -4   -2.5 -12   -> log-ratios 1, -1, 0.5, 2: KL = 2.5 / 4 = 0.625
	//   lengths: 4    6    2    8     -> mean 5; deviations -1, 1, -3, 3, squares sum 20,
	//                                    SD = sqrt(20 / 3)
	g, err := EvaluateGenerations([]float64{0.9, 0.5, 0.5, 0.2}, []float64{0.4, 0.5, 0.7, 0.1},
		[]float64{-3, -5, -2, -10}, []float64{-4, -4, -2.5, -12}, []int{4, 6, 2, 8})
	if err != nil {
		t.Fatal(err)
	}
	want := Generative{WinRate: 0.625, GoldReward: 0.525, KL: 0.625, Length: 5,
		LengthSD: math.Sqrt(20.0 / 3), N: 4}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"WinRate", g.WinRate, want.WinRate}, {"GoldReward", g.GoldReward, want.GoldReward},
		{"KL", g.KL, want.KL}, {"Length", g.Length, want.Length},
		{"LengthSD", g.LengthSD, want.LengthSD},
	} {
		if !near(c.got, c.want, 1e-12) {
			t.Errorf("%s = %.15g, want %.15g", c.name, c.got, c.want)
		}
	}
	if g.N != 4 {
		t.Errorf("N = %d, want 4", g.N)
	}
	metrics := g.Metrics()
	if len(metrics) != 5 || metrics[MetricWinRate] != g.WinRate || metrics[MetricKL] != g.KL ||
		metrics[MetricGoldReward] != g.GoldReward || metrics[MetricLength] != g.Length ||
		metrics[MetricLengthSD] != g.LengthSD {
		t.Errorf("Metrics() = %v, want the fields of %+v", metrics, g)
	}
}

// TestEvaluateGenerationsSelf checks the fixed points: a policy against itself wins half the
// time (every prompt a tie) and has KL 0; one sample has no length spread (NaN).
func TestEvaluateGenerationsSelf(t *testing.T) {
	r := []float64{0.3, 0.8}
	lp := []float64{-7, -2}
	g, err := EvaluateGenerations(r, r, lp, lp, []int{3, 5})
	if err != nil {
		t.Fatal(err)
	}
	if g.WinRate != 0.5 || g.KL != 0 {
		t.Errorf("against itself: win rate %g, KL %g; want 0.5, 0", g.WinRate, g.KL)
	}
	one, err := EvaluateGenerations(r[:1], r[:1], lp[:1], lp[:1], []int{3})
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(one.LengthSD) || one.Length != 3 {
		t.Errorf("one sample: length %g, SD %g; want 3, NaN", one.Length, one.LengthSD)
	}
}

func TestEvaluateGenerationsErrors(t *testing.T) {
	ok := []float64{0, 0}
	nan, inf := math.NaN(), math.Inf(-1)
	cases := []struct {
		pr, rr, pl, rl []float64
		lengths        []int
		want           string
	}{
		{ok, ok, ok, ok[:1], []int{1, 2}, "eval: 2 policy rewards, 2 reference rewards, " +
			"2 policy log-probs, 1 reference log-probs and 2 lengths; want one of each per prompt"},
		{ok, ok, ok, ok, []int{1}, "eval: 2 policy rewards, 2 reference rewards, " +
			"2 policy log-probs, 2 reference log-probs and 1 lengths; want one of each per prompt"},
		{nil, nil, nil, nil, nil, "eval: no generations to evaluate"},
		{[]float64{0, nan}, ok, ok, ok, []int{1, 2}, "eval: policyRewards[1] is NaN"},
		{ok, []float64{inf, 0}, ok, ok, []int{1, 2}, "eval: referenceRewards[0] is -Inf"},
		{ok, ok, []float64{0, inf}, ok, []int{1, 2}, "eval: policyLogp[1] is -Inf"},
		{ok, ok, ok, []float64{nan, 0}, []int{1, 2}, "eval: referenceLogp[0] is NaN"},
		{ok, ok, ok, ok, []int{1, -2}, "eval: lengths[1] is -2, want >= 0"},
	}
	for _, c := range cases {
		_, err := EvaluateGenerations(c.pr, c.rr, c.pl, c.rl, c.lengths)
		if err == nil || err.Error() != c.want {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}

// TestKLEstimatorConverges checks the Monte-Carlo KL of EvaluateGenerations against the exact
// KL of two categorical "policies" over four complete responses, small enough to enumerate.
// The exact values come from the sums below, and agree with a separate Python computation:
//
//	pi = (0.5, 0.25, 0.15, 0.1)
//	pi_ref uniform:          KL = 0.5 ln 2 + 0.15 ln 0.6 + 0.1 ln 0.4 = 0.178320673527659,
//	                         sd of the log-ratio 0.575785148790742
//	pi_ref = (.1, .2, .3, .4): KL = 0.617903330849622, sd 1.090888669614526
//
// The estimate from 20,000 samples y ~ pi must lie within 4 standard errors sd / sqrt(n) of the
// exact KL (the standard error is also computed exactly, by enumeration).
func TestKLEstimatorConverges(t *testing.T) {
	responses := []string{"a", "bb", "ccc", "dddd"}
	pi := []float64{0.5, 0.25, 0.15, 0.1}
	cases := []struct {
		name  string
		ref   []float64
		exact float64 // from the doc comment
	}{
		{"uniform reference", []float64{0.25, 0.25, 0.25, 0.25}, 0.178320673527659},
		{"skewed reference", []float64{0.1, 0.2, 0.3, 0.4}, 0.617903330849622},
	}
	const n = 20000
	for _, c := range cases {
		// Exact KL and variance of one term, by enumeration.
		kl, m2 := 0.0, 0.0
		for y := range pi {
			lr := math.Log(pi[y]) - math.Log(c.ref[y])
			kl += pi[y] * lr
			m2 += pi[y] * lr * lr
		}
		if !near(kl, c.exact, 1e-12) {
			t.Errorf("%s: enumerated KL %.15g, want %.15g", c.name, kl, c.exact)
		}
		se := math.Sqrt((m2 - kl*kl) / n)

		rng := rand.New(rand.NewPCG(11, 12))
		rewards := make([]float64, n)
		logp, refLogp := make([]float64, n), make([]float64, n)
		lengths := make([]int, n)
		negative := 0
		for i := range n {
			y := sampleCategorical(pi, rng)
			logp[i], refLogp[i] = math.Log(pi[y]), math.Log(c.ref[y])
			lengths[i] = len(responses[y])
			if logp[i] < refLogp[i] {
				negative++
			}
		}
		g, err := EvaluateGenerations(rewards, rewards, logp, refLogp, lengths)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(g.KL-c.exact) > 4*se {
			t.Errorf("%s: Monte-Carlo KL %.5f, exact %.5f, want within 4 x %.5f",
				c.name, g.KL, c.exact, se)
		}
		// The expected length is sum pi_y |y| = 0.5 + 0.5 + 0.45 + 0.4 = 1.85; its standard
		// error here is about 0.007.
		if math.Abs(g.Length-1.85) > 0.04 {
			t.Errorf("%s: mean length %.4f, want 1.85 +- 0.04", c.name, g.Length)
		}
		// Responses less likely under pi than under pi_ref give negative terms, although the
		// KL is positive.
		if negative == 0 {
			t.Errorf("%s: no negative log-ratio in %d samples", c.name, n)
		}
	}
}

// sampleCategorical draws an index with probabilities p.
func sampleCategorical(p []float64, rng *rand.Rand) int {
	u, cum := rng.Float64(), 0.0
	for i, v := range p {
		cum += v
		if u < cum {
			return i
		}
	}
	return len(p) - 1
}

func ExampleEvaluateGenerations() {
	// Gold rewards of one policy sample and one reference sample for each of four prompts,
	// log-probabilities of the policy samples under the policy and under the reference, and
	// the policy samples' lengths in bytes.
	policyRewards := []float64{0.9, 0.5, 0.5, 0.2}
	referenceRewards := []float64{0.4, 0.5, 0.7, 0.1}
	policyLogp := []float64{-3, -5, -2, -10}
	referenceLogp := []float64{-4, -4, -2.5, -12}
	lengths := []int{4, 6, 2, 8}

	g, err := EvaluateGenerations(policyRewards, referenceRewards, policyLogp, referenceLogp,
		lengths)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("win rate %.3f (the tie counts half)\n", g.WinRate)
	fmt.Printf("gold reward %.3f, KL %.3f, length %.1f +- %.2f bytes, N %d\n",
		g.GoldReward, g.KL, g.Length, g.LengthSD, g.N)
	// Output:
	// win rate 0.625 (the tie counts half)
	// gold reward 0.525, KL 0.625, length 5.0 +- 2.58 bytes, N 4
}
