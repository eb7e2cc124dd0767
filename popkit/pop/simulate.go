package pop

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// NoiseKind selects how the simulated oracle's PoP labels are perturbed.
type NoiseKind int

const (
	// NoiseFlip flips each label with a constant probability p, independently of the gap
	// between the two strengths. This is the noise model of the paper.
	NoiseFlip NoiseKind = iota
	// NoiseBradleyTerry labels i stronger than j with probability sigmoid((s_i - s_j) / tau),
	// so close preferences are confused more often than distant ones (our addition).
	NoiseBradleyTerry
)

// noiseKindNames are the names of the noise kinds, indexed by NoiseKind.
var noiseKindNames = [...]string{NoiseFlip: "flip", NoiseBradleyTerry: "bradley-terry"}

// NoiseKindNames lists the valid noise kind names, in the order of the constants.
func NoiseKindNames() []string { return append([]string(nil), noiseKindNames[:]...) }

// String returns the kind's name ("flip", "bradley-terry").
func (k NoiseKind) String() string {
	if k < 0 || int(k) >= len(noiseKindNames) {
		return fmt.Sprintf("NoiseKind(%d)", int(k))
	}
	return noiseKindNames[k]
}

// ParseNoiseKind returns the noise kind with the given name.
func ParseNoiseKind(name string) (NoiseKind, error) {
	for i, n := range noiseKindNames {
		if n == name {
			return NoiseKind(i), nil
		}
	}
	return 0, fmt.Errorf("pop: unknown noise kind %q (valid: %s)", name,
		strings.Join(noiseKindNames[:], ", "))
}

// Noise describes how oracle labels are perturbed. The zero value is a noiseless oracle
// (NoiseFlip with P = 0). [FlipNoise] and [BradleyTerryNoise] build the two kinds.
type Noise struct {
	// Kind selects the noise model. Default NoiseFlip.
	Kind NoiseKind
	// P is the flip probability of NoiseFlip, in [0, 0.5]. Default 0 (no flips). It must be 0
	// for other kinds.
	P float64
	// Tau is the temperature of NoiseBradleyTerry, in strength units (rating points when the
	// strengths are rating gaps); it must be positive. Default 1 (DefaultTau): a difference
	// of one point between two gaps is labelled right with probability sigmoid(1) = 0.73. It
	// must be 0 for other kinds.
	Tau float64
}

// DefaultTau is the Bradley-Terry noise temperature used when Noise.Tau is zero.
const DefaultTau = 1.0

// FlipNoise returns noise that flips each label with probability p.
func FlipNoise(p float64) Noise { return Noise{Kind: NoiseFlip, P: p} }

// BradleyTerryNoise returns Bradley-Terry noise with temperature tau.
func BradleyTerryNoise(tau float64) Noise { return Noise{Kind: NoiseBradleyTerry, Tau: tau} }

// String formats the noise as "flip(p=0.2)" or "bradley-terry(tau=1)".
func (nz Noise) String() string {
	if nz.Kind == NoiseBradleyTerry {
		return fmt.Sprintf("%s(tau=%g)", nz.Kind, nz.tau())
	}
	return fmt.Sprintf("%s(p=%g)", nz.Kind, nz.P)
}

// tau returns Tau with its default applied.
func (nz Noise) tau() float64 {
	if nz.Tau == 0 {
		return DefaultTau
	}
	return nz.Tau
}

// Validate reports a noise setting that cannot be simulated.
func (nz Noise) Validate() error {
	switch nz.Kind {
	case NoiseFlip:
		if !(nz.P >= 0 && nz.P <= 0.5) {
			return fmt.Errorf("pop: Noise.P = %g: the flip probability must lie in [0, 0.5]", nz.P)
		}
		if nz.Tau != 0 {
			return fmt.Errorf("pop: Noise.Tau = %g is set but Noise.Kind is %s; Tau applies to %s",
				nz.Tau, nz.Kind, NoiseBradleyTerry)
		}
	case NoiseBradleyTerry:
		if !(nz.Tau >= 0) || math.IsInf(nz.Tau, 0) {
			return fmt.Errorf("pop: Noise.Tau = %g: the temperature must be positive and finite "+
				"(0 means the default, %g)", nz.Tau, DefaultTau)
		}
		if nz.P != 0 {
			return fmt.Errorf("pop: Noise.P = %g is set but Noise.Kind is %s; P applies to %s",
				nz.P, nz.Kind, NoiseFlip)
		}
	default:
		return fmt.Errorf("pop: Noise.Kind = %d is unknown (valid: %s)", int(nz.Kind),
			strings.Join(noiseKindNames[:], ", "))
	}
	return nil
}

// TiePolicy says what happens to a comparison between two preferences of equal strength.
type TiePolicy int

const (
	// TieHalf keeps the comparison with Tie set: it counts as half a win each way.
	TieHalf TiePolicy = iota
	// TieSkip drops the comparison. Its budget is lost: the preferences involved take part in
	// fewer than K comparisons, and no replacement is drawn.
	TieSkip
)

// tiePolicyNames are the names of the tie policies, indexed by TiePolicy.
var tiePolicyNames = [...]string{TieHalf: "half", TieSkip: "skip"}

// TiePolicyNames lists the valid tie policy names, in the order of the constants.
func TiePolicyNames() []string { return append([]string(nil), tiePolicyNames[:]...) }

// String returns the policy's name ("half", "skip").
func (t TiePolicy) String() string {
	if t < 0 || int(t) >= len(tiePolicyNames) {
		return fmt.Sprintf("TiePolicy(%d)", int(t))
	}
	return tiePolicyNames[t]
}

// ParseTiePolicy returns the tie policy with the given name.
func ParseTiePolicy(name string) (TiePolicy, error) {
	for i, n := range tiePolicyNames {
		if n == name {
			return TiePolicy(i), nil
		}
	}
	return 0, fmt.Errorf("pop: unknown tie policy %q (valid: %s)", name,
		strings.Join(tiePolicyNames[:], ", "))
}

// SimConfig configures the simulation of PoP labels. The zero value means K = 1, a noiseless
// oracle and ties kept as half labels.
type SimConfig struct {
	// K is the number of comparisons each preference takes part in (the paper's k). Default 1
	// when zero; negative values are an error.
	K int
	// Noise perturbs the oracle's labels. Default: none.
	Noise Noise
	// Ties decides what happens to comparisons between equal strengths. Default TieHalf.
	Ties TiePolicy
}

// k returns K with its default applied.
func (cfg SimConfig) k() int {
	if cfg.K == 0 {
		return 1
	}
	return cfg.K
}

// Validate reports a configuration that cannot be simulated.
func (cfg SimConfig) Validate() error {
	if cfg.K < 0 {
		return fmt.Errorf("pop: SimConfig.K = %d: need at least 1 comparison per preference "+
			"(0 means the default, 1)", cfg.K)
	}
	if err := cfg.Noise.Validate(); err != nil {
		return err
	}
	if cfg.Ties < 0 || int(cfg.Ties) >= len(tiePolicyNames) {
		return fmt.Errorf("pop: SimConfig.Ties = %d is unknown (valid: %s)", int(cfg.Ties),
			strings.Join(tiePolicyNames[:], ", "))
	}
	return nil
}

// SimulateRandom draws PoP comparisons between preferences with the given strengths (usually
// the ground-truth margins m*_i = s_w - s_l), shaped [n], and labels them with a noisy oracle.
//
// Sampling rule (ours; the paper's "random" strategy is not specified in detail): K rounds; each
// round shuffles the n preferences and compares neighbours (0 with 1, 2 with 3, ...), a
// uniformly random perfect matching. With odd n the one left over is compared with a uniformly
// random other preference. So each preference takes part in K comparisons (one per round, plus
// possibly some as the random partner of an odd one out), and there are K * ceil(n/2)
// comparisons in all, before ties are skipped.
//
// Labels: the oracle says i is stronger than j when s_i > s_j, then cfg.Noise perturbs the label.
// Equal strengths are ties, handled by cfg.Ties before any noise (a tie is never flipped). The
// result is deterministic given the state of rng.
//
// It returns an error for n < 2, non-finite strengths, or an invalid cfg (K < 0, a flip
// probability outside [0, 0.5], a non-positive temperature, unknown kinds).
func SimulateRandom(strengths []float64, cfg SimConfig, rng *rand.Rand) ([]Comparison, error) {
	n := len(strengths)
	if n < 2 {
		return nil, fmt.Errorf("pop: SimulateRandom needs at least 2 preferences, got %d", n)
	}
	for i, s := range strengths {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("pop: SimulateRandom: strengths[%d] = %g; strengths must be "+
				"finite", i, s)
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}

	k := cfg.k()
	comps := make([]Comparison, 0, k*(n+1)/2+1)
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	for range k {
		rng.Shuffle(n, func(a, b int) { perm[a], perm[b] = perm[b], perm[a] })
		for t := 0; t+1 < n; t += 2 {
			comps = label(comps, strengths, perm[t], perm[t+1], cfg, rng)
		}
		if n%2 == 1 {
			other := perm[rng.IntN(n-1)]
			comps = label(comps, strengths, perm[n-1], other, cfg, rng)
		}
	}
	return comps, nil
}

// label appends the oracle's (noisy) label of preferences i and j to comps.
func label(comps []Comparison, s []float64, i, j int, cfg SimConfig, rng *rand.Rand) []Comparison {
	if s[i] == s[j] {
		if cfg.Ties == TieSkip {
			return comps
		}
		return append(comps, Comparison{Stronger: i, Weaker: j, Tie: true})
	}

	if s[i] < s[j] {
		i, j = j, i
	}
	flip := false
	switch cfg.Noise.Kind {
	case NoiseFlip:
		flip = cfg.Noise.P > 0 && rng.Float64() < cfg.Noise.P
	case NoiseBradleyTerry:
		// P(label i > j) = sigmoid(gap / tau), so a flip has probability sigmoid(-gap / tau).
		flip = rng.Float64() < sigmoid(-(s[i]-s[j])/cfg.Noise.tau())
	}
	if flip {
		i, j = j, i
	}
	return append(comps, Comparison{Stronger: i, Weaker: j})
}

// sigmoid returns 1 / (1 + exp(-x)).
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
