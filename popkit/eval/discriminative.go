package eval

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
)

// Metric names written by [Discriminative.Metrics].
const (
	MetricAccuracy       = "accuracy"
	MetricAccuracyWeak   = "accuracy_weak"
	MetricAccuracyMedium = "accuracy_medium"
	MetricAccuracyStrong = "accuracy_strong"
	MetricSpearman       = "spearman"
	MetricTieAccuracy    = "accuracy_ties"
	MetricImplicitTies   = "implicit_ties"
)

// Buckets cut ground-truth margins m* > 0 into weak (m* <= WeakMax), medium
// (WeakMax < m* <= MediumMax) and strong (m* > MediumMax) preferences.
type Buckets struct {
	WeakMax, MediumMax float64
}

// Of returns the bucket of margin m: 0 weak, 1 medium, 2 strong, or -1 for a tie (m <= 0).
func (b Buckets) Of(m float64) int {
	switch {
	case m <= 0:
		return -1
	case m <= b.WeakMax:
		return 0
	case m <= b.MediumMax:
		return 1
	default:
		return 2
	}
}

// TertileBuckets cuts at the empirical tertiles of the non-zero margins: WeakMax is the
// smallest margin with at least a third of the non-zero margins at or below it, MediumMax the
// smallest with at least two thirds. Rating gaps are discrete (halves of a point), so buckets
// hold about, not exactly, a third each. It returns an error when no margin is positive.
func TertileBuckets(margins []float64) (Buckets, error) {
	var pos []float64
	for _, m := range margins {
		if m > 0 {
			pos = append(pos, m)
		}
	}
	if len(pos) == 0 {
		return Buckets{}, fmt.Errorf("eval: no positive margin to cut into buckets")
	}
	sort.Float64s(pos)
	at := func(q float64) float64 {
		return pos[int(math.Ceil(q*float64(len(pos))))-1]
	}
	return Buckets{WeakMax: at(1.0 / 3), MediumMax: at(2.0 / 3)}, nil
}

// Discriminative holds the discriminative measurements of one policy on held-out pairs.
type Discriminative struct {
	// Accuracy is the share of pairs with m* > 0 whose implicit margin is positive; a pair with
	// h = 0 exactly counts one half (at initialisation, when the policy equals the reference,
	// every h is 0 and accuracy is 0.5, chance).
	Accuracy float64
	// AccuracyWeak, AccuracyMedium and AccuracyStrong are Accuracy within each bucket; NaN for an
	// empty bucket.
	AccuracyWeak, AccuracyMedium, AccuracyStrong float64
	// Spearman is the rank correlation of h and m* over all pairs, ties included.
	Spearman float64
	// TieAccuracy is the share of tied pairs (m* = 0) with h > 0 (h = 0 counting one half).
	// Ties carry no preference, so it is reported apart and should stay near 0.5; NaN when the
	// data has no ties.
	TieAccuracy float64
	// ImplicitTies counts pairs whose implicit margin is exactly 0.
	ImplicitTies int
	// Pairs, Ties and the bucket sizes count the pairs behind each number.
	Pairs, Ties, Weak, Medium, Strong int
}

// ImplicitMargins returns h_i = beta * ((pc_i - rc_i) - (pr_i - rr_i)) for every pair, from the
// log-probs of the chosen (pc, rc) and rejected (pr, rr) responses under the policy and the
// reference. All four slices must have one length; ImplicitMargins panics otherwise.
func ImplicitMargins(beta float64, pc, pr, rc, rr []float64) []float64 {
	n := len(pc)
	if len(pr) != n || len(rc) != n || len(rr) != n {
		panic(fmt.Sprintf("eval: ImplicitMargins: log-prob slices of lengths %d, %d, %d, %d",
			len(pc), len(pr), len(rc), len(rr)))
	}
	h := make([]float64, n)
	for i := range h {
		h[i] = beta * ((pc[i] - rc[i]) - (pr[i] - rr[i]))
	}
	return h
}

// Discriminate measures implicit margins h against ground-truth margins gt (same length).
func Discriminate(h, gt []float64, b Buckets) (Discriminative, error) {
	if len(h) != len(gt) {
		return Discriminative{}, fmt.Errorf("eval: %d implicit margins but %d ground-truth margins",
			len(h), len(gt))
	}
	if len(h) == 0 {
		return Discriminative{}, fmt.Errorf("eval: no pairs to evaluate")
	}
	for i := range h {
		if math.IsNaN(h[i]) || math.IsInf(h[i], 0) {
			return Discriminative{}, fmt.Errorf("eval: implicit margin of pair %d is %g", i, h[i])
		}
	}
	var all, ties score
	var bucket [3]score
	d := Discriminative{Pairs: len(h)}
	for i, m := range gt {
		if h[i] == 0 {
			d.ImplicitTies++
		}
		k := b.Of(m)
		if k < 0 {
			ties.add(h[i])
			continue
		}
		bucket[k].add(h[i])
		all.add(h[i])
	}
	d.Accuracy, d.AccuracyWeak, d.AccuracyMedium, d.AccuracyStrong, d.TieAccuracy =
		all.mean(), bucket[0].mean(), bucket[1].mean(), bucket[2].mean(), ties.mean()
	d.Ties, d.Weak, d.Medium, d.Strong = ties.n, bucket[0].n, bucket[1].n, bucket[2].n
	d.Spearman = Spearman(h, gt)
	return d, nil
}

// Metrics returns the measurements by their metric names.
func (d Discriminative) Metrics() map[string]float64 {
	return map[string]float64{
		MetricAccuracy:       d.Accuracy,
		MetricAccuracyWeak:   d.AccuracyWeak,
		MetricAccuracyMedium: d.AccuracyMedium,
		MetricAccuracyStrong: d.AccuracyStrong,
		MetricSpearman:       d.Spearman,
		MetricTieAccuracy:    d.TieAccuracy,
		MetricImplicitTies:   float64(d.ImplicitTies),
	}
}

// score accumulates 1[h > 0] + 0.5 * 1[h = 0].
type score struct {
	sum float64
	n   int
}

func (s *score) add(h float64) {
	s.n++
	switch {
	case h > 0:
		s.sum++
	case h == 0:
		s.sum += 0.5
	}
}

func (s score) mean() float64 {
	if s.n == 0 {
		return math.NaN()
	}
	return s.sum / float64(s.n)
}

// Spearman returns Spearman's rank correlation of x and y: the Pearson correlation of their
// ranks, with tied values given the mean of the ranks they span. It is NaN when either input is
// constant.
func Spearman(x, y []float64) float64 {
	return stat.Correlation(ranks(x), ranks(y), nil)
}

// ranks returns the 1-based ranks of x, averaging over ties.
func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for start := 0; start < len(idx); {
		end := start
		for end+1 < len(idx) && x[idx[end+1]] == x[idx[start]] {
			end++
		}
		mean := float64(start+end)/2 + 1
		for k := start; k <= end; k++ {
			r[idx[k]] = mean
		}
		start = end + 1
	}
	return r
}
