package eval

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
)

// Metric names written by [Generative.Metrics].
const (
	MetricWinRate    = "win_rate"
	MetricGoldReward = "gold_reward"
	MetricKL         = "kl"
	MetricLength     = "length"
	MetricLengthSD   = "length_sd"
)

// Generative holds the generative measurements of one policy on a set of prompts, one policy
// sample and one reference sample per prompt.
type Generative struct {
	// WinRate is the share of prompts whose policy sample has a higher gold reward than the
	// reference sample; ties count one half:
	//
	//	WinRate = mean_i ( 1[r_i > r_ref,i] + 0.5 * 1[r_i = r_ref,i] )
	//
	// Against itself a policy scores 0.5.
	WinRate float64
	// GoldReward is the mean gold reward of the policy samples, mean_i r_i.
	GoldReward float64
	// KL is the Monte-Carlo estimate of KL(pi || pi_ref) from the policy samples y_i ~ pi(.|x_i),
	// one term per sequence:
	//
	//	KL = mean_i ( log pi(y_i|x_i) - log pi_ref(y_i|x_i) )
	//
	// Each term has expectation KL(pi(.|x_i) || pi_ref(.|x_i)), so the mean is an unbiased
	// estimate of the KL averaged over prompts; single terms, and on a finite sample even the
	// mean, can be negative. It estimates a KL only when the samples come from pi itself
	// (temperature 1, no top-k or top-p truncation); otherwise it is the mean log-ratio under
	// the sampling distribution.
	KL float64
	// Length is the mean length of the policy samples in bytes, and LengthSD its sample standard
	// deviation (divisor N-1; NaN when N = 1). Reward hacking by length shows here first.
	Length, LengthSD float64
	// N is the number of prompts behind each number.
	N int
}

// EvaluateGenerations measures policy samples, one per prompt i:
//
//	policyRewards[i]     gold reward r_i of the policy sample y_i
//	referenceRewards[i]  gold reward r_ref,i of a reference sample for the same prompt
//	policyLogp[i]        log pi(y_i|x_i), summed over the response tokens
//	referenceLogp[i]     log pi_ref(y_i|x_i) of the same policy sample
//	lengths[i]           length of y_i in bytes
//
// and returns their win rate, mean gold reward, KL estimate and length (see [Generative] for
// the formulas). All inputs are per prompt and must have one common, non-zero length. It
// returns an error for slices of different lengths, for empty input, for a NaN or infinite
// value (naming the slice and index) and for a negative length.
func EvaluateGenerations(policyRewards, referenceRewards, policyLogp, referenceLogp []float64,
	lengths []int) (Generative, error) {
	n := len(policyRewards)
	if len(referenceRewards) != n || len(policyLogp) != n || len(referenceLogp) != n ||
		len(lengths) != n {
		return Generative{}, fmt.Errorf("eval: %d policy rewards, %d reference rewards, %d policy "+
			"log-probs, %d reference log-probs and %d lengths; want one of each per prompt",
			n, len(referenceRewards), len(policyLogp), len(referenceLogp), len(lengths))
	}
	if n == 0 {
		return Generative{}, fmt.Errorf("eval: no generations to evaluate")
	}
	for _, in := range []struct {
		name   string
		values []float64
	}{
		{"policyRewards", policyRewards}, {"referenceRewards", referenceRewards},
		{"policyLogp", policyLogp}, {"referenceLogp", referenceLogp},
	} {
		for i, v := range in.values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return Generative{}, fmt.Errorf("eval: %s[%d] is %g", in.name, i, v)
			}
		}
	}
	lens := make([]float64, n)
	for i, l := range lengths {
		if l < 0 {
			return Generative{}, fmt.Errorf("eval: lengths[%d] is %d, want >= 0", i, l)
		}
		lens[i] = float64(l)
	}

	g := Generative{N: n}
	var wins, logRatios float64
	for i := range n {
		switch {
		case policyRewards[i] > referenceRewards[i]:
			wins++
		case policyRewards[i] == referenceRewards[i]:
			wins += 0.5
		}
		logRatios += policyLogp[i] - referenceLogp[i]
	}
	g.WinRate = wins / float64(n)
	g.KL = logRatios / float64(n)
	g.GoldReward = stat.Mean(policyRewards, nil)
	g.Length, g.LengthSD = stat.MeanStdDev(lens, nil)
	return g, nil
}

// Metrics returns the measurements by their metric names.
func (g Generative) Metrics() map[string]float64 {
	return map[string]float64{
		MetricWinRate:    g.WinRate,
		MetricGoldReward: g.GoldReward,
		MetricKL:         g.KL,
		MetricLength:     g.Length,
		MetricLengthSD:   g.LengthSD,
	}
}
