package pop

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Strategy selects how [Draw] spends a budget of PoP comparisons and which preference pairs
// end up in the training set. The paper (arXiv 2509.22851) names two strategies, "iterative"
// and "random"; its public reviews say only that "iterative" keeps weak pairs about as
// frequent in training as in the original data and favours classification accuracy, while in
// "random" strong preferences appear more often in training and it favours generation. The
// rules of both constants are our own formulation of that description; [Draw] states them.
type Strategy int

const (
	// Random draws random perfect matchings, as [SimulateRandom] does, and trains on the
	// winner of each comparison, so stronger preferences appear more often in training.
	Random Strategy = iota
	// Iterative compares neighbours in the order of Bradley-Terry scores refitted after each
	// round, and trains on every preference exactly once.
	Iterative
)

// strategyNames are the names of the strategies, indexed by Strategy.
var strategyNames = [...]string{Random: "random", Iterative: "iterative"}

// StrategyNames lists the valid strategy names, in the order of the constants.
func StrategyNames() []string { return append([]string(nil), strategyNames[:]...) }

// String returns the strategy's name ("random", "iterative").
func (s Strategy) String() string {
	if s < 0 || int(s) >= len(strategyNames) {
		return fmt.Sprintf("Strategy(%d)", int(s))
	}
	return strategyNames[s]
}

// ParseStrategy returns the strategy with the given name.
func ParseStrategy(name string) (Strategy, error) {
	for i, n := range strategyNames {
		if n == name {
			return Strategy(i), nil
		}
	}
	return 0, fmt.Errorf("pop: unknown strategy %q (valid: %s)", name,
		strings.Join(strategyNames[:], ", "))
}

// Validate reports a strategy that is not one of the constants.
func (s Strategy) Validate() error {
	if s < 0 || int(s) >= len(strategyNames) {
		return fmt.Errorf("pop: Strategy = %d is unknown (valid: %s)", int(s),
			strings.Join(strategyNames[:], ", "))
	}
	return nil
}

// Sample is what a PoP sampling strategy produces: the labels it collected and the training
// set they lead to.
type Sample struct {
	// Comparisons are the PoP labels collected, in the order they were drawn.
	Comparisons []Comparison
	// Train holds indices of the preference pairs to train on, with repetition: a pair that
	// appears r times is trained on r times as often.
	Train []int
}

// Draw spends a budget of PoP comparisons on preferences with the given strengths (usually
// the ground-truth margins m*_i = s_w - s_l), shaped [n], following strategy, and returns the
// labels collected and the training set.
//
// Both strategies make K = cfg.K rounds (default 1) of ceil(n/2) comparisons,
//
//	#comparisons = K * ceil(n/2)   (about n*K/2),
//
// fewer when cfg.Ties is TieSkip and some compared strengths are equal (those comparisons are
// dropped and not replaced). In every round each preference takes part in one comparison;
// with odd n one of them also takes part in a second, against the preference left over. Every
// label comes from the oracle of [SimulateRandom]: s_i > s_j says i is stronger, then
// cfg.Noise perturbs the label, and equal strengths are ties handled by cfg.Ties.
//
// The rules below are ours (the paper's procedure is not public; see [Strategy]).
//
// Random. The comparisons are exactly those of SimulateRandom(strengths, cfg, rng): K
// uniformly random perfect matchings. The training set is the multiset of winners, one per
// comparison,
//
//	Train[t] = Comparisons[t].Stronger,
//
// the labelled-stronger preference (after noise). A tie counts half a win each way, so for a
// tie one of its two preferences is drawn with probability 1/2 each. A preference that wins w
// of its comparisons appears w times and one that never wins is left out, so strong
// preferences are over-represented and len(Train) = len(Comparisons).
//
// Iterative. Round 1 is a uniformly random perfect matching, drawn and labelled exactly as the
// first round of SimulateRandom. Before each later round r = 2, ..., K, Bradley-Terry scores u
// are fitted to all labels so far with [FitBradleyTerry] and fit (the default ridge keeps them
// finite however sparse the labels; a fit without ridge fails with ErrNeedsRidge unless the
// win graph is strongly connected, which noiseless labels of distinct strengths never make). The
// preferences are sorted by ascending u, equal scores in random order, giving o_0, ..., o_{n-1},
// and neighbours in that order are compared:
//
//	r even: (o_0, o_1), (o_2, o_3), ...
//	r odd:  (o_1, o_2), (o_3, o_4), ...
//
// The shift by one position on alternate rounds splits the pairs of the round before, whose
// order has mostly not changed, so that a preference meets a new close partner instead of
// repeating a comparison. With even n, a shifted round leaves both ends o_0 and o_{n-1} over
// and compares them with each other: the one comparison of the round between distant
// preferences, kept so that every preference takes part exactly once per round and the budget
// equals Random's. With odd n, the preference left over (o_{n-1} in even rounds, o_0 in odd
// ones) is compared with its neighbour in the order. The training set is every preference
// exactly once, Train = [0, 1, ..., n-1], so each keeps its share of the data whatever its
// strength.
//
// fit is used only by Iterative, but it is validated for both strategies. The result is
// deterministic given the state of rng. Draw returns an error, and an empty Sample, for
// n < 2, non-finite strengths, an unknown strategy, an invalid cfg or fit (see
// [SimConfig.Validate] and [FitConfig.Validate]), and a failed Bradley-Terry fit (wrapping
// ErrNeedsRidge or ErrNotConverged, and naming the round).
func Draw(strengths []float64, strategy Strategy, cfg SimConfig, fit FitConfig,
	rng *rand.Rand) (Sample, error) {
	n := len(strengths)
	if n < 2 {
		return Sample{}, fmt.Errorf("pop: Draw needs at least 2 preferences, got %d", n)
	}
	for i, s := range strengths {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return Sample{}, fmt.Errorf("pop: Draw: strengths[%d] = %g; strengths must be "+
				"finite", i, s)
		}
	}
	if err := strategy.Validate(); err != nil {
		return Sample{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Sample{}, err
	}
	if err := fit.Validate(); err != nil {
		return Sample{}, err
	}

	if strategy == Iterative {
		return drawIterative(strengths, cfg, fit, rng)
	}
	return drawRandom(strengths, cfg, rng)
}

// drawRandom implements the Random strategy of Draw; its inputs are valid.
func drawRandom(strengths []float64, cfg SimConfig, rng *rand.Rand) (Sample, error) {
	comps, err := SimulateRandom(strengths, cfg, rng)
	if err != nil {
		return Sample{}, err
	}
	train := make([]int, len(comps))
	for t, c := range comps {
		train[t] = c.Stronger
		if c.Tie && rng.IntN(2) == 1 {
			train[t] = c.Weaker
		}
	}
	return Sample{Comparisons: comps, Train: train}, nil
}

// drawIterative implements the Iterative strategy of Draw; its inputs are valid.
func drawIterative(strengths []float64, cfg SimConfig, fit FitConfig,
	rng *rand.Rand) (Sample, error) {
	n, k := len(strengths), cfg.k()
	first := cfg
	first.K = 1
	comps, err := SimulateRandom(strengths, first, rng)
	if err != nil {
		return Sample{}, err
	}

	for r := 2; r <= k; r++ {
		u, _, err := FitBradleyTerry(n, comps, fit)
		if err != nil {
			return Sample{}, fmt.Errorf("pop: Draw: Bradley-Terry fit before iterative round "+
				"%d of %d: %w", r, k, err)
		}
		// A random permutation, then a stable sort: equal scores end up in random order.
		order := rng.Perm(n)
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(u[a], u[b]) })

		shift := r % 2 // 0 in even rounds, 1 in odd ones
		for t := shift; t+1 < n; t += 2 {
			comps = label(comps, strengths, order[t], order[t+1], cfg, rng)
		}
		switch {
		case n%2 == 1 && shift == 0:
			comps = label(comps, strengths, order[n-1], order[n-2], cfg, rng)
		case n%2 == 1:
			comps = label(comps, strengths, order[0], order[1], cfg, rng)
		case shift == 1:
			comps = label(comps, strengths, order[0], order[n-1], cfg, rng)
		}
	}

	train := make([]int, n)
	for i := range train {
		train[i] = i
	}
	return Sample{Comparisons: comps, Train: train}, nil
}

// BucketShares returns the share of each margin bucket in the multiset idx of preference
// indices (a training set such as [Sample.Train]; an index repeated r times counts r times).
// With m = margins[idx[t]], the buckets are
//
//	ties:   m <= 0
//	weak:   0 < m <= weakMax
//	medium: weakMax < m <= mediumMax
//	strong: m > mediumMax
//
// and the four shares sum to 1. margins are usually the ground-truth margins m*_i, shaped
// [n]; [TertileCuts] gives thresholds that split the non-tie margins of a data set in thirds.
// The shares of the original data are those of idx = [0, 1, ..., n-1].
//
// With an empty idx every share is NaN. It panics if an index lies outside [0, len(margins)),
// if an indexed margin or a threshold is NaN, or if weakMax > mediumMax.
func BucketShares(margins []float64, idx []int, weakMax, mediumMax float64) (weak, medium,
	strong, ties float64) {
	if math.IsNaN(weakMax) || math.IsNaN(mediumMax) || weakMax > mediumMax {
		panic(fmt.Sprintf("pop: BucketShares: thresholds weakMax = %g, mediumMax = %g; want "+
			"weakMax <= mediumMax, neither NaN", weakMax, mediumMax))
	}
	var counts [4]int // weak, medium, strong, ties
	for t, i := range idx {
		if i < 0 || i >= len(margins) {
			panic(fmt.Sprintf("pop: BucketShares: idx[%d] = %d lies outside [0, %d)", t, i,
				len(margins)))
		}
		switch m := margins[i]; {
		case math.IsNaN(m):
			panic(fmt.Sprintf("pop: BucketShares: margins[%d] = NaN (idx[%d])", i, t))
		case m <= 0:
			counts[3]++
		case m <= weakMax:
			counts[0]++
		case m <= mediumMax:
			counts[1]++
		default:
			counts[2]++
		}
	}
	total := float64(len(idx))
	if total == 0 {
		nan := math.NaN()
		return nan, nan, nan, nan
	}
	return float64(counts[0]) / total, float64(counts[1]) / total, float64(counts[2]) / total,
		float64(counts[3]) / total
}

// TertileCuts returns thresholds that split the positive margins (non-ties) in thirds, for
// [BucketShares]:
//
//	weakMax   = the smallest positive margin v with #{0 < m <= v} >= P/3
//	mediumMax = the smallest positive margin v with #{0 < m <= v} >= 2P/3
//
// where P is the number of positive margins. On discrete ratings the thirds are unequal:
// every margin equal to a cut falls at or below it. It panics if a margin is NaN or no margin
// is positive.
func TertileCuts(margins []float64) (weakMax, mediumMax float64) {
	var pos []float64
	for i, m := range margins {
		if math.IsNaN(m) {
			panic(fmt.Sprintf("pop: TertileCuts: margins[%d] = NaN", i))
		}
		if m > 0 {
			pos = append(pos, m)
		}
	}
	p := len(pos)
	if p == 0 {
		panic(fmt.Sprintf("pop: TertileCuts: none of the %d margins is positive",
			len(margins)))
	}
	slices.Sort(pos)
	// pos[j] has at least j+1 margins at or below it, and any smaller value at most j: the
	// smallest value with at least q margins at or below it is pos[q-1], q = ceil(share * P).
	return pos[(p+2)/3-1], pos[(2*p+2)/3-1]
}
