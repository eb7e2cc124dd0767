package pop

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// distinct returns n distinct strengths 0, 1, ..., n-1 in a shuffled order.
func distinct(n int, rng *rand.Rand) []float64 {
	s := make([]float64, n)
	for i, p := range rng.Perm(n) {
		s[i] = float64(p)
	}
	return s
}

func TestSimulateRandomAppearances(t *testing.T) {
	tests := []struct {
		name string
		n, k int
	}{
		{"even n, K=1", 10, 1},
		{"even n, K=4", 1000, 4},
		{"odd n, K=3", 7, 3},
		{"odd n, K=4", 1001, 4},
		{"n=2", 2, 5},
		{"n=3", 3, 2},
		{"K=0 means 1", 6, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.n)))
			comps, err := SimulateRandom(distinct(tc.n, rng), SimConfig{K: tc.k}, rng)
			if err != nil {
				t.Fatal(err)
			}
			k := max(tc.k, 1)
			// Each round compares floor(n/2) matched pairs, plus one extra when n is odd.
			wantTotal := k * ((tc.n + 1) / 2)
			if len(comps) != wantTotal {
				t.Fatalf("%d comparisons, want K*ceil(n/2) = %d", len(comps), wantTotal)
			}
			count := make([]int, tc.n)
			for _, c := range comps {
				if c.Stronger == c.Weaker {
					t.Fatalf("self-comparison %v", c)
				}
				count[c.Stronger]++
				count[c.Weaker]++
			}
			extra := 0
			for i, c := range count {
				// Exactly K with even n; with odd n, K plus the times it was drawn as a
				// partner of the odd one out.
				if c < k || (tc.n%2 == 0 && c != k) {
					t.Fatalf("preference %d appears %d times, want K = %d", i, c, k)
				}
				extra += c - k
			}
			// The odd one out of each round adds one appearance to its partner.
			if want := k * (tc.n % 2); extra != want {
				t.Errorf("%d appearances beyond K, want %d", extra, want)
			}
		})
	}
}

func TestSimulateRandomNoiselessAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	s := distinct(3001, rng)
	comps, err := SimulateRandom(s, SimConfig{K: 3}, rng)
	if err != nil {
		t.Fatal(err)
	}
	// p = 0 and distinct strengths: every label follows the strengths.
	if acc := LabelAccuracy(s, comps); acc != 1 {
		t.Errorf("label accuracy %v with p = 0, want 1", acc)
	}
}

func TestSimulateRandomFlipRate(t *testing.T) {
	for _, p := range []float64{0.2, 0.5} {
		rng := rand.New(rand.NewPCG(3, 3))
		s := distinct(40000, rng)
		comps, err := SimulateRandom(s, SimConfig{K: 1, Noise: FlipNoise(p)}, rng)
		if err != nil {
			t.Fatal(err)
		}
		if len(comps) != 20000 {
			t.Fatalf("%d comparisons, want 20000", len(comps))
		}
		// The flip count is Binomial(20000, p): its sd is sqrt(p(1-p)/20000) as a rate, 0.00283
		// for p = 0.2 and 0.00354 for p = 0.5. Allow 4.5 sd (a false alarm about 1 in 150,000).
		rate := 1 - LabelAccuracy(s, comps)
		tol := 4.5 * math.Sqrt(p*(1-p)/20000)
		if math.Abs(rate-p) > tol {
			t.Errorf("p = %g: flip rate %.4f, want %g +- %.4f", p, rate, p, tol)
		}
	}
}

func TestSimulateRandomBradleyTerryNoise(t *testing.T) {
	tests := []struct {
		tau, want float64
	}{
		// Strength gaps are all 1 between the two groups: P(right) = sigmoid(1/tau).
		// sigmoid(1) = 1/(1+e^-1) = 0.7310585786300049.
		{1, 0.7310585786300049},
		// Tau 0 means the default, 1.
		{0, 0.7310585786300049},
		// sigmoid(1/0.25) = sigmoid(4) = 0.9820137900379085.
		{0.25, 0.9820137900379085},
	}
	for _, tc := range tests {
		rng := rand.New(rand.NewPCG(4, 4))
		s := make([]float64, 40000)
		for i := range s {
			s[i] = float64(i % 2)
		}
		cfg := SimConfig{Noise: BradleyTerryNoise(tc.tau), Ties: TieSkip}
		comps, err := SimulateRandom(s, cfg, rng)
		if err != nil {
			t.Fatal(err)
		}
		// About half the 20000 pairs are within a group (ties, skipped): the rest, about
		// 10000, cross groups; the rate's sd is sqrt(q(1-q)/m), at most 0.0045 here.
		m := len(comps)
		if m < 9000 || m > 11000 {
			t.Fatalf("tau = %g: %d cross-group comparisons, want about 10000", tc.tau, m)
		}
		acc := LabelAccuracy(s, comps)
		tol := 4.5 * math.Sqrt(tc.want*(1-tc.want)/float64(m))
		if math.Abs(acc-tc.want) > tol {
			t.Errorf("tau = %g: label accuracy %.4f, want %.4f +- %.4f", tc.tau, acc, tc.want, tol)
		}
	}
}

func TestSimulateRandomTies(t *testing.T) {
	s := []float64{1, 1, 1, 1, 2, 2}
	tests := []struct {
		name string
		cfg  SimConfig
	}{
		{"half", SimConfig{K: 50, Ties: TieHalf}},
		{"skip", SimConfig{K: 50, Ties: TieSkip}},
		// Ties are settled before noise: with p = 0.5 a tie still stays a tie.
		{"half with noise", SimConfig{K: 50, Ties: TieHalf, Noise: FlipNoise(0.5)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			comps, err := SimulateRandom(s, tc.cfg, rand.New(rand.NewPCG(5, 5)))
			if err != nil {
				t.Fatal(err)
			}
			ties := 0
			for _, c := range comps {
				equal := s[c.Stronger] == s[c.Weaker]
				if c.Tie != equal {
					t.Fatalf("comparison %v: Tie = %v, strengths %g and %g", c, c.Tie,
						s[c.Stronger], s[c.Weaker])
				}
				if c.Tie {
					ties++
				}
			}
			total := 50 * 3 // K rounds of n/2 pairs
			switch tc.cfg.Ties {
			case TieHalf:
				// Nothing is dropped, and 50 rounds of random matchings of 6 items in which
				// 4 share a strength are all but certain to produce ties.
				if len(comps) != total || ties == 0 {
					t.Errorf("%d comparisons (%d ties), want %d with some ties", len(comps),
						ties, total)
				}
			case TieSkip:
				// Every tie is dropped, so fewer than K*n/2 comparisons remain.
				if ties != 0 || len(comps) >= total {
					t.Errorf("%d comparisons (%d ties), want fewer than %d and no ties",
						len(comps), ties, total)
				}
			}
		})
	}

	// All strengths equal: only ties, or nothing.
	all := []float64{3, 3, 3, 3}
	comps, err := SimulateRandom(all, SimConfig{K: 2}, rand.New(rand.NewPCG(6, 6)))
	if err != nil || len(comps) != 4 || !comps[0].Tie {
		t.Errorf("all equal, TieHalf: %v, %v; want 4 ties", comps, err)
	}
	comps, err = SimulateRandom(all, SimConfig{K: 2, Ties: TieSkip}, rand.New(rand.NewPCG(6, 6)))
	if err != nil || len(comps) != 0 {
		t.Errorf("all equal, TieSkip: %v, %v; want none", comps, err)
	}
}

func TestSimulateRandomDeterministic(t *testing.T) {
	s := distinct(501, rand.New(rand.NewPCG(7, 7)))
	cfg := SimConfig{K: 3, Noise: FlipNoise(0.3)}
	run := func(seed uint64) []Comparison {
		comps, err := SimulateRandom(s, cfg, rand.New(rand.NewPCG(seed, 0)))
		if err != nil {
			t.Fatal(err)
		}
		return comps
	}
	if a, b := run(1), run(1); !slices.Equal(a, b) {
		t.Error("same seed gave different comparisons")
	}
	if a, b := run(1), run(2); slices.Equal(a, b) {
		t.Error("different seeds gave the same comparisons")
	}
}

func TestSimulateRandomErrors(t *testing.T) {
	ok := []float64{1, 2, 3}
	tests := []struct {
		name      string
		strengths []float64
		cfg       SimConfig
		want      string
	}{
		{"n=1", []float64{1}, SimConfig{}, "needs at least 2 preferences, got 1"},
		{"n=0", nil, SimConfig{}, "needs at least 2 preferences, got 0"},
		{"NaN strength", []float64{1, math.NaN()}, SimConfig{}, "strengths[1] = NaN"},
		{"Inf strength", []float64{math.Inf(1), 1}, SimConfig{}, "strengths[0] = +Inf"},
		{"K<0", ok, SimConfig{K: -1}, "SimConfig.K = -1"},
		{"p<0", ok, SimConfig{Noise: FlipNoise(-0.1)}, "Noise.P = -0.1"},
		{"p>0.5", ok, SimConfig{Noise: FlipNoise(0.6)}, "Noise.P = 0.6"},
		{"p NaN", ok, SimConfig{Noise: FlipNoise(math.NaN())}, "Noise.P = NaN"},
		{"tau<0", ok, SimConfig{Noise: BradleyTerryNoise(-1)}, "Noise.Tau = -1"},
		{"tau Inf", ok, SimConfig{Noise: BradleyTerryNoise(math.Inf(1))}, "Noise.Tau = +Inf"},
		{"tau with flip", ok, SimConfig{Noise: Noise{Tau: 2}}, "Tau applies to bradley-terry"},
		{"p with BT", ok, SimConfig{Noise: Noise{Kind: NoiseBradleyTerry, P: 0.1}},
			"P applies to flip"},
		{"unknown kind", ok, SimConfig{Noise: Noise{Kind: 7}},
			"Noise.Kind = 7 is unknown (valid: flip, bradley-terry)"},
		{"unknown ties", ok, SimConfig{Ties: 5}, "SimConfig.Ties = 5 is unknown (valid: half, skip)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			comps, err := SimulateRandom(tc.strengths, tc.cfg, rand.New(rand.NewPCG(1, 1)))
			wantErr(t, err, tc.want)
			if comps != nil {
				t.Errorf("comparisons %v returned with an error", comps)
			}
		})
	}
}

func TestEnumNames(t *testing.T) {
	for i, name := range NoiseKindNames() {
		k, err := ParseNoiseKind(name)
		if err != nil || k != NoiseKind(i) || k.String() != name {
			t.Errorf("noise kind %q: parsed %v, %v", name, k, err)
		}
	}
	for i, name := range TiePolicyNames() {
		p, err := ParseTiePolicy(name)
		if err != nil || p != TiePolicy(i) || p.String() != name {
			t.Errorf("tie policy %q: parsed %v, %v", name, p, err)
		}
	}
	_, err := ParseNoiseKind("gauss")
	wantErr(t, err, `pop: unknown noise kind "gauss" (valid: flip, bradley-terry)`)
	_, err = ParseTiePolicy("coin")
	wantErr(t, err, `pop: unknown tie policy "coin" (valid: half, skip)`)
	if got := NoiseKind(9).String(); got != "NoiseKind(9)" {
		t.Errorf("NoiseKind(9).String() = %q", got)
	}
	if got := TiePolicy(-1).String(); got != "TiePolicy(-1)" {
		t.Errorf("TiePolicy(-1).String() = %q", got)
	}
}

func TestNoiseString(t *testing.T) {
	tests := []struct {
		nz   Noise
		want string
	}{
		{Noise{}, "flip(p=0)"},
		{FlipNoise(0.2), "flip(p=0.2)"},
		{BradleyTerryNoise(0.5), "bradley-terry(tau=0.5)"},
		{BradleyTerryNoise(0), "bradley-terry(tau=1)"}, // the default temperature
	}
	for _, tc := range tests {
		if got := tc.nz.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.nz, got, tc.want)
		}
	}
}
