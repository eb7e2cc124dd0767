package pop

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/poprlhf/sandbox/popkit/internal/realdata"
	"github.com/poprlhf/sandbox/popkit/prefdata"
)

func TestStrategyNames(t *testing.T) {
	if got, want := StrategyNames(), []string{"random", "iterative"}; !slices.Equal(got, want) {
		t.Fatalf("StrategyNames() = %q, want %q", got, want)
	}
	for i, name := range StrategyNames() {
		s, err := ParseStrategy(name)
		if err != nil || s != Strategy(i) || s.String() != name || s.Validate() != nil {
			t.Errorf("strategy %q: parsed %v, %v", name, s, err)
		}
	}
	if Strategy(0) != Random {
		t.Error("the zero Strategy is not Random")
	}
	_, err := ParseStrategy("greedy")
	wantErr(t, err, `pop: unknown strategy "greedy" (valid: random, iterative)`)
	wantErr(t, Strategy(2).Validate(), "pop: Strategy = 2 is unknown (valid: random, iterative)")
	wantErr(t, Strategy(-1).Validate(), "pop: Strategy = -1 is unknown")
	if got := Strategy(7).String(); got != "Strategy(7)" {
		t.Errorf("Strategy(7).String() = %q", got)
	}
}

// allIndices returns [0, 1, ..., n-1].
func allIndices(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func TestDrawBudget(t *testing.T) {
	tests := []struct {
		name string
		n, k int
	}{
		{"even n, K=1", 10, 1},
		{"even n, K=4", 1000, 4},
		{"odd n, K=3", 7, 3},
		{"odd n, K=4", 1001, 4},
		{"n=2", 2, 5},
		{"n=3", 3, 4},
		{"K=0 means 1", 6, 0},
	}
	for _, strategy := range []Strategy{Random, Iterative} {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%v/%s", strategy, tc.name), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(11, uint64(tc.n)))
				s, err := Draw(distinct(tc.n, rng), strategy, SimConfig{K: tc.k}, FitConfig{},
					rng)
				if err != nil {
					t.Fatal(err)
				}
				k := max(tc.k, 1)
				// Both rules: K rounds of ceil(n/2) comparisons (distinct strengths: no tie
				// is skipped).
				if want := k * ((tc.n + 1) / 2); len(s.Comparisons) != want {
					t.Fatalf("%d comparisons, want K*ceil(n/2) = %d", len(s.Comparisons), want)
				}
				count := make([]int, tc.n)
				for _, c := range s.Comparisons {
					if c.Stronger == c.Weaker {
						t.Fatalf("self-comparison %v", c)
					}
					count[c.Stronger]++
					count[c.Weaker]++
				}
				// One comparison per preference per round, plus, with odd n, one more per
				// round for the partner of the preference left over.
				extra := 0
				for i, c := range count {
					if c < k || (tc.n%2 == 0 && c != k) {
						t.Fatalf("preference %d appears %d times, want K = %d", i, c, k)
					}
					extra += c - k
				}
				if want := k * (tc.n % 2); extra != want {
					t.Errorf("%d appearances beyond K, want %d", extra, want)
				}

				switch strategy {
				case Random:
					if len(s.Train) != len(s.Comparisons) {
						t.Errorf("Random: %d training pairs, want one per comparison (%d)",
							len(s.Train), len(s.Comparisons))
					}
				case Iterative:
					if !slices.Equal(s.Train, allIndices(tc.n)) {
						t.Errorf("Iterative: Train = %v, want every preference once, in order",
							s.Train)
					}
				}
			})
		}
	}
}

func TestDrawTiesSkipped(t *testing.T) {
	// All strengths equal and ties skipped: every comparison is dropped, for both strategies;
	// the Iterative fits then see no label at all (scores 0 under the ridge).
	all := []float64{2, 2, 2, 2, 2}
	cfg := SimConfig{K: 3, Ties: TieSkip}
	for _, strategy := range []Strategy{Random, Iterative} {
		s, err := Draw(all, strategy, cfg, FitConfig{}, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatalf("%v: %v", strategy, err)
		}
		if len(s.Comparisons) != 0 {
			t.Errorf("%v: comparisons %v, want none", strategy, s.Comparisons)
		}
		want := []int{} // Random trains on winners: there are none
		if strategy == Iterative {
			want = allIndices(len(all))
		}
		if !slices.Equal(s.Train, want) {
			t.Errorf("%v: Train = %v, want %v", strategy, s.Train, want)
		}
	}
}

func TestDrawRandomTrainsOnWinners(t *testing.T) {
	// Repeated strengths give ties; flip noise makes some winners the weaker preference.
	rng := rand.New(rand.NewPCG(21, 22))
	strengths := make([]float64, 501)
	for i := range strengths {
		strengths[i] = float64(rng.IntN(5))
	}
	cfg := SimConfig{K: 4, Noise: FlipNoise(0.3)}
	s, err := Draw(strengths, Random, cfg, FitConfig{}, rng)
	if err != nil {
		t.Fatal(err)
	}
	ties, flipped := 0, 0
	for i, c := range s.Comparisons {
		w := s.Train[i]
		switch {
		case c.Tie:
			ties++
			if w != c.Stronger && w != c.Weaker {
				t.Fatalf("comparison %d (%v): trains on %d, not one of the tied pair", i, c, w)
			}
		case w != c.Stronger:
			t.Fatalf("comparison %d (%v): trains on %d, want the winner %d", i, c, w, c.Stronger)
		case strengths[c.Stronger] < strengths[c.Weaker]:
			flipped++ // the labelled winner, not the truly stronger one
		}
	}
	// With 5 equally likely levels a pair ties with probability 1/5; labels flip with 0.3.
	if ties == 0 || flipped == 0 {
		t.Errorf("%d ties and %d flipped labels among %d comparisons; want some of each",
			ties, flipped, len(s.Comparisons))
	}

	// A tie trains on either preference with probability 1/2. All strengths equal: 1000 ties
	// (K=2, n=1000); the count of Stronger is Binomial(1000, 1/2), sd sqrt(1000/4) = 15.8;
	// allow 4.5 sd = 71.
	equal := make([]float64, 1000)
	s, err = Draw(equal, Random, SimConfig{K: 2}, FitConfig{}, rand.New(rand.NewPCG(3, 1)))
	if err != nil {
		t.Fatal(err)
	}
	first := 0
	for i, c := range s.Comparisons {
		if !c.Tie {
			t.Fatalf("comparison %v between equal strengths is not a tie", c)
		}
		if s.Train[i] == c.Stronger {
			first++
		}
	}
	if len(s.Comparisons) != 1000 || math.Abs(float64(first)-500) > 71 {
		t.Errorf("%d of %d ties train on their first preference, want 500 +- 71", first,
			len(s.Comparisons))
	}
}

// compSet returns the comparisons as a set of "i>j" strings, ignoring their order.
func compSet(comps []Comparison) map[string]bool {
	set := map[string]bool{}
	for _, c := range comps {
		set[c.String()] = true
	}
	return set
}

func TestDrawIterativeRounds(t *testing.T) {
	// Four preferences; by strength 2 > 0 > 3 > 1. Noiseless labels, K = 3.
	strengths := []float64{2, 0, 3, 1}
	for seed := range uint64(8) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			s, err := Draw(strengths, Iterative, SimConfig{K: 3}, FitConfig{},
				rand.New(rand.NewPCG(seed, 5)))
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Comparisons) != 6 {
				t.Fatalf("comparisons %v, want 3 rounds of 2", s.Comparisons)
			}

			// Round 1 is the first round of Random drawn from the same state.
			r, err := Draw(strengths, Random, SimConfig{K: 3}, FitConfig{},
				rand.New(rand.NewPCG(seed, 5)))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.Comparisons[:2], r.Comparisons[:2]) {
				t.Errorf("round 1 = %v, want Random's first round %v", s.Comparisons[:2],
					r.Comparisons[:2])
			}

			// Round 2 (even, no shift): after round 1 the two winners score +a and the two
			// losers -a (by symmetry), so the sorted order is loser, loser, winner, winner and
			// the winners meet, as do the losers.
			w1, w2 := s.Comparisons[0].Stronger, s.Comparisons[1].Stronger
			l1, l2 := s.Comparisons[0].Weaker, s.Comparisons[1].Weaker
			got := s.Comparisons[2:4]
			for _, c := range got {
				winners := (c.Stronger == w1 || c.Stronger == w2) &&
					(c.Weaker == w1 || c.Weaker == w2)
				losers := (c.Stronger == l1 || c.Stronger == l2) &&
					(c.Weaker == l1 || c.Weaker == l2)
				if !winners && !losers {
					t.Errorf("round 2 = %v, want winners %d, %d and losers %d, %d paired", got,
						w1, w2, l1, l2)
				}
			}

			// Round 3 (odd, shifted by one): after two rounds the strongest (2) has won twice
			// and the weakest (1) lost twice, so they end the order; the shift compares the
			// two middle ones (0 and 3) and wraps the ends (2 and 1) around.
			want := map[string]bool{"0>3": true, "2>1": true}
			if got := compSet(s.Comparisons[4:]); !reflect.DeepEqual(got, want) {
				t.Errorf("round 3 = %v, want {0>3, 2>1}", s.Comparisons[4:])
			}
		})
	}
}

func TestDrawIterativeNeighbours(t *testing.T) {
	// Refit the scores the way Draw does before each round r >= 2 and check the round against
	// the rule: it touches every preference, and each comparison joins two preferences with no
	// score strictly between them (neighbours in the order, whatever the tie-break), except the
	// one comparison of a shifted round with even n, which joins the two ends of the order.
	tests := []struct {
		name string
		n, k int
	}{
		{"n=5", 5, 4},
		{"n=6", 6, 4},
		{"n=101", 101, 5},
		{"n=100", 100, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(31, uint64(tc.n)))
			strengths := distinct(tc.n, rng)
			cfg := SimConfig{K: tc.k, Noise: FlipNoise(0.1)}
			s, err := Draw(strengths, Iterative, cfg, FitConfig{}, rng)
			if err != nil {
				t.Fatal(err)
			}
			per := (tc.n + 1) / 2
			for r := 2; r <= tc.k; r++ {
				before, round := s.Comparisons[:(r-1)*per], s.Comparisons[(r-1)*per:r*per]
				u, _, err := FitBradleyTerry(tc.n, before, FitConfig{})
				if err != nil {
					t.Fatal(err)
				}
				lo, hi := slices.Min(u), slices.Max(u)
				seen := map[int]bool{}
				wraps := 0
				for _, c := range round {
					seen[c.Stronger], seen[c.Weaker] = true, true
					a, b := min(u[c.Stronger], u[c.Weaker]), max(u[c.Stronger], u[c.Weaker])
					between := 0
					for _, v := range u {
						if a < v && v < b {
							between++
						}
					}
					if between == 0 {
						continue
					}
					if r%2 == 1 && tc.n%2 == 0 && a == lo && b == hi {
						wraps++
						continue
					}
					t.Errorf("round %d: %v has %d scores between its two", r, c, between)
				}
				if len(seen) != tc.n {
					t.Errorf("round %d touches %d of %d preferences", r, len(seen), tc.n)
				}
				if wraps > 1 {
					t.Errorf("round %d: %d comparisons join the ends, want at most 1", r, wraps)
				}
			}
		})
	}
}

func TestDrawDeterministic(t *testing.T) {
	s := distinct(301, rand.New(rand.NewPCG(7, 7)))
	cfg := SimConfig{K: 3, Noise: FlipNoise(0.2)}
	for _, strategy := range []Strategy{Random, Iterative} {
		run := func(seed uint64) Sample {
			sample, err := Draw(s, strategy, cfg, FitConfig{}, rand.New(rand.NewPCG(seed, 0)))
			if err != nil {
				t.Fatal(err)
			}
			return sample
		}
		if a, b := run(1), run(1); !reflect.DeepEqual(a, b) {
			t.Errorf("%v: same seed gave different samples", strategy)
		}
		if a, b := run(1), run(2); slices.Equal(a.Comparisons, b.Comparisons) {
			t.Errorf("%v: different seeds gave the same comparisons", strategy)
		}
	}
}

func TestDrawErrors(t *testing.T) {
	ok := []float64{1, 2, 3}
	tests := []struct {
		name      string
		strengths []float64
		strategy  Strategy
		cfg       SimConfig
		fit       FitConfig
		want      string
		is        error // the sentinel the error must wrap, if any
	}{
		{"n=1", []float64{1}, Random, SimConfig{}, FitConfig{},
			"pop: Draw needs at least 2 preferences, got 1", nil},
		{"n=0", nil, Iterative, SimConfig{}, FitConfig{},
			"pop: Draw needs at least 2 preferences, got 0", nil},
		{"NaN strength", []float64{1, math.NaN()}, Iterative, SimConfig{}, FitConfig{},
			"pop: Draw: strengths[1] = NaN", nil},
		{"Inf strength", []float64{math.Inf(-1), 1}, Random, SimConfig{}, FitConfig{},
			"pop: Draw: strengths[0] = -Inf", nil},
		{"unknown strategy", ok, Strategy(3), SimConfig{}, FitConfig{},
			"pop: Strategy = 3 is unknown (valid: random, iterative)", nil},
		{"K<0", ok, Iterative, SimConfig{K: -2}, FitConfig{}, "SimConfig.K = -2", nil},
		{"p>0.5", ok, Random, SimConfig{Noise: FlipNoise(0.6)}, FitConfig{}, "Noise.P = 0.6",
			nil},
		{"unknown ties", ok, Iterative, SimConfig{Ties: 4}, FitConfig{},
			"SimConfig.Ties = 4 is unknown", nil},
		// fit is validated for Random too, although Random does not use it.
		{"ridge<0, random", ok, Random, SimConfig{}, FitConfig{Ridge: -1},
			"FitConfig.Ridge = -1", nil},
		{"ridge<0, iterative", ok, Iterative, SimConfig{}, FitConfig{Ridge: -1},
			"FitConfig.Ridge = -1", nil},
		{"ridge and NoRidge", ok, Iterative, SimConfig{}, FitConfig{Ridge: 1, NoRidge: true},
			"contradicts FitConfig.NoRidge", nil},
		// Noiseless labels of distinct strengths never form a cycle, so the win graph of
		// round 1 is not strongly connected and the fit without ridge has no finite optimum.
		{"no ridge", ok, Iterative, SimConfig{K: 2}, FitConfig{NoRidge: true},
			"pop: Draw: Bradley-Terry fit before iterative round 2 of 2", ErrNeedsRidge},
		// One L-BFGS iteration cannot bring 100 scores to a gradient of 1e-12.
		{"not converged", distinct(100, rand.New(rand.NewPCG(1, 1))), Iterative,
			SimConfig{K: 3}, FitConfig{MaxIterations: 1, GradTol: 1e-12},
			"before iterative round 2 of 3", ErrNotConverged},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Draw(tc.strengths, tc.strategy, tc.cfg, tc.fit,
				rand.New(rand.NewPCG(1, 1)))
			wantErr(t, err, tc.want)
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %q", err, tc.is)
			}
			if s.Comparisons != nil || s.Train != nil {
				t.Errorf("sample %+v returned with an error", s)
			}
		})
	}
}

func TestBucketShares(t *testing.T) {
	margins := []float64{0, 0.5, 1, 1.5, 2, 3, -1}
	tests := []struct {
		name                       string
		idx                        []int
		weakMax, mediumMax         float64
		weak, medium, strong, ties float64
	}{
		// Buckets with cuts 1 and 2: ties {0, -1} (indices 0, 6), weak {0.5, 1} (1, 2),
		// medium {1.5, 2} (3, 4), strong {3} (5); each index once: 2/7, 2/7, 1/7, 2/7.
		{"each once", allIndices(7), 1, 2, 2.0 / 7, 2.0 / 7, 1.0 / 7, 2.0 / 7},
		// A multiset: index 5 (strong) three times, 1 (weak) once: 1/4 weak, 3/4 strong.
		{"repeats", []int{5, 1, 5, 5}, 1, 2, 0.25, 0, 0.75, 0},
		// Equal cuts leave the medium bucket empty: m <= 1 weak, m > 1 strong.
		{"equal cuts", allIndices(7), 1, 1, 2.0 / 7, 0, 3.0 / 7, 2.0 / 7},
		// A cut below 0 empties the weak bucket; ties still take m <= 0.
		{"negative weak cut", allIndices(7), -5, 1.5, 0, 3.0 / 7, 2.0 / 7, 2.0 / 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, m, s, ti := BucketShares(margins, tc.idx, tc.weakMax, tc.mediumMax)
			got := []float64{w, m, s, ti}
			want := []float64{tc.weak, tc.medium, tc.strong, tc.ties}
			for i := range got {
				if math.Abs(got[i]-want[i]) > 1e-15 {
					t.Fatalf("shares (weak, medium, strong, ties) = %v, want %v", got, want)
				}
			}
		})
	}

	// No index: every share is NaN.
	w, m, s, ti := BucketShares(margins, nil, 1, 2)
	if !math.IsNaN(w) || !math.IsNaN(m) || !math.IsNaN(s) || !math.IsNaN(ti) {
		t.Errorf("empty idx: shares %v %v %v %v, want NaN", w, m, s, ti)
	}

	panics := []struct {
		name               string
		margins            []float64
		idx                []int
		weakMax, mediumMax float64
		want               string
	}{
		{"index too large", margins, []int{0, 7}, 1, 2,
			"pop: BucketShares: idx[1] = 7 lies outside [0, 7)"},
		{"negative index", margins, []int{-1}, 1, 2, "idx[0] = -1 lies outside [0, 7)"},
		{"NaN margin", []float64{1, math.NaN()}, []int{0, 1}, 1, 2,
			"pop: BucketShares: margins[1] = NaN (idx[1])"},
		{"cuts reversed", margins, []int{0}, 2, 1,
			"thresholds weakMax = 2, mediumMax = 1; want weakMax <= mediumMax"},
		{"NaN cut", margins, []int{0}, math.NaN(), 1, "weakMax = NaN"},
		{"NaN medium cut", margins, []int{0}, 1, math.NaN(), "mediumMax = NaN"},
	}
	for _, tc := range panics {
		t.Run(tc.name, func(t *testing.T) {
			mustPanic(t, tc.want, func() {
				BucketShares(tc.margins, tc.idx, tc.weakMax, tc.mediumMax)
			})
		})
	}
}

func TestTertileCuts(t *testing.T) {
	tests := []struct {
		name               string
		margins            []float64
		weakMax, mediumMax float64
	}{
		// P = 6 positive margins 1..6 (zeros ignored): thirds need 2 and 4 margins at or
		// below the cut, so 2 and 4.
		{"six", []float64{0, 6, 5, 4, 0, 3, 2, 1}, 2, 4},
		// P = 7: ceil(7/3) = 3 and ceil(14/3) = 5 margins, so the 3rd and 5th smallest.
		{"seven", []float64{7, 6, 5, 4, 3, 2, 1}, 3, 5},
		// Discrete values: 1 1 1 1 2 3 (P = 6). Two margins at or below v needs v = 1 (four
		// are); four needs v = 1 again; both cuts are 1.
		{"ties at a cut", []float64{1, 3, 1, 2, 1, 1}, 1, 1},
		// A single positive margin is both cuts.
		{"one", []float64{0, 2.5, -1}, 2.5, 2.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, m := TertileCuts(tc.margins)
			if w != tc.weakMax || m != tc.mediumMax {
				t.Errorf("TertileCuts = %g, %g, want %g, %g", w, m, tc.weakMax, tc.mediumMax)
			}
		})
	}
	mustPanic(t, "pop: TertileCuts: none of the 3 margins is positive", func() {
		TertileCuts([]float64{0, -1, 0})
	})
	mustPanic(t, "pop: TertileCuts: margins[1] = NaN", func() {
		TertileCuts([]float64{1, math.NaN()})
	})
}

// meanGap returns the mean of |m_i - m_j| over the comparisons.
func meanGap(margins []float64, comps []Comparison) float64 {
	sum := 0.0
	for _, c := range comps {
		sum += math.Abs(margins[c.Stronger] - margins[c.Weaker])
	}
	return sum / float64(len(comps))
}

func TestDrawRealSample(t *testing.T) {
	pairs, err := prefdata.ReadJSONL(realdata.Require(t))
	if err != nil {
		t.Fatal(err)
	}
	margins := prefdata.Margins(pairs)
	n := len(margins)

	// Python's json module over the same file: 889 positive margins on a 0.5 grid; 386 are
	// <= 1.0 (386*3 >= 889, and 193 are <= 0.5, too few) and 632 are <= 2.5 (632*3 >= 2*889;
	// 591 are <= 2.0, too few), so the cuts are 1 and 2.5. Bucket counts over the 1,000 pairs:
	// 386 weak, 246 medium, 257 strong, 111 ties.
	weakMax, mediumMax := TertileCuts(margins)
	if weakMax != 1 || mediumMax != 2.5 {
		t.Fatalf("TertileCuts = %g, %g, want 1, 2.5", weakMax, mediumMax)
	}
	orig := [4]float64{0.386, 0.246, 0.257, 0.111}
	shares := func(idx []int) [4]float64 {
		w, m, s, ti := BucketShares(margins, idx, weakMax, mediumMax)
		return [4]float64{w, m, s, ti}
	}
	if got := shares(allIndices(n)); got != orig {
		t.Fatalf("original shares %v, want %v", got, orig)
	}
	t.Logf("cuts: weak <= %g < medium <= %g < strong; shares (weak, medium, strong, ties)",
		weakMax, mediumMax)
	t.Logf("original:  %.3f", orig)

	// K = 4, noiseless oracle (flip noise 0), ties as half labels: rounds are whole, so the
	// last round is the last ceil(n/2) = 500 comparisons.
	cfg := SimConfig{K: 4}
	perRound := (n + 1) / 2
	for seed := range uint64(3) {
		random, err := Draw(margins, Random, cfg, FitConfig{}, rand.New(rand.NewPCG(seed, 1)))
		if err != nil {
			t.Fatal(err)
		}
		iter, err := Draw(margins, Iterative, cfg, FitConfig{}, rand.New(rand.NewPCG(seed, 1)))
		if err != nil {
			t.Fatal(err)
		}
		rs, is := shares(random.Train), shares(iter.Train)
		t.Logf("seed %d: random:    %.3f (%d training pairs)", seed, rs, len(random.Train))
		t.Logf("seed %d: iterative: %.3f (%d training pairs)", seed, is, len(iter.Train))

		// Iterative trains on every pair once, so its weak share is the original's exactly;
		// the rule asks for within 5 points.
		if math.Abs(is[0]-orig[0]) > 0.05 {
			t.Errorf("seed %d: iterative weak share %.3f, want %.3f +- 0.05", seed, is[0],
				orig[0])
		}
		// Random trains on winners: strong pairs win most of their comparisons.
		if rs[2] <= orig[2] {
			t.Errorf("seed %d: random strong share %.3f, want above the original %.3f", seed,
				rs[2], orig[2])
		}

		// Iterative's last round compares neighbours in the fitted order: closer margins than
		// random pairs.
		ig := meanGap(margins, iter.Comparisons[len(iter.Comparisons)-perRound:])
		rg := meanGap(margins, random.Comparisons)
		t.Logf("seed %d: mean |m_i - m_j|: iterative last round %.3f, random %.3f", seed, ig,
			rg)
		if ig >= rg {
			t.Errorf("seed %d: mean gap of iterative's last round %.3f, want below random's "+
				"%.3f", seed, ig, rg)
		}
	}
}

func ExampleDraw() {
	// Ground-truth margins of six preference pairs.
	margins := []float64{0.5, 3, 1, 7, 2, 4}
	cfg := SimConfig{K: 2} // two comparisons per preference, noiseless labels

	random, err := Draw(margins, Random, cfg, FitConfig{}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		panic(err)
	}
	// Random: the training set is each comparison's winner.
	fmt.Println("random:   ", random.Comparisons, "train", random.Train)

	iter, err := Draw(margins, Iterative, cfg, FitConfig{}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		panic(err)
	}
	// Iterative: round 1 is Random's first round (same seed). The fit then scores its three
	// losers (1, 0, 4) alike, below its three winners (5, 2, 3), and round 2 compares
	// neighbours in that order: two losers, a loser with a winner, two winners. Every pair is
	// trained on once.
	fmt.Println("iterative:", iter.Comparisons, "train", iter.Train)
	// Output:
	// random:    [5>1 2>0 3>4 5>0 3>4 1>2] train [5 2 3 5 3 1]
	// iterative: [5>1 2>0 3>4 1>4 3>0 5>2] train [0 1 2 3 4 5]
}

func ExampleBucketShares() {
	margins := []float64{0, 0.5, 1, 2, 3, 5}
	// Cuts 1 and 2: ties {0}, weak {0.5, 1}, medium {2}, strong {3, 5}. A training set that
	// repeats the strongest pair twice:
	weak, medium, strong, ties := BucketShares(margins, []int{0, 1, 2, 3, 4, 5, 5}, 1, 2)
	fmt.Printf("weak %.3f medium %.3f strong %.3f ties %.3f\n", weak, medium, strong, ties)
	// Output:
	// weak 0.286 medium 0.143 strong 0.429 ties 0.143
}

func ExampleTertileCuts() {
	// Positive margins 0.5 1 1 2 3 4 (P = 6; the tie is ignored): at least 2 of them lie at
	// or below 1, and at least 4 at or below 2.
	fmt.Println(TertileCuts([]float64{0, 3, 1, 0.5, 4, 1, 2}))
	// Output:
	// 1 2
}

func ExampleParseStrategy() {
	s, err := ParseStrategy("iterative")
	fmt.Println(s, err)
	_, err = ParseStrategy("greedy")
	fmt.Println(err)
	// Output:
	// iterative <nil>
	// pop: unknown strategy "greedy" (valid: random, iterative)
}

func ExampleStrategyNames() {
	fmt.Println(StrategyNames(), Strategy(0))
	// Output:
	// [random iterative] random
}

func ExampleStrategy_Validate() {
	fmt.Println(Iterative.Validate())
	fmt.Println(Strategy(5).Validate())
	// Output:
	// <nil>
	// pop: Strategy = 5 is unknown (valid: random, iterative)
}
