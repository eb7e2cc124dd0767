package pop

import (
	"fmt"
	"math"
)

// Comparison says preference Stronger expresses a stronger preference than Weaker. Both are
// indices into the caller's list of preference pairs.
//
// Tie marks a comparison whose oracle gaps were equal: it counts as half a win each way, and
// the order of Stronger and Weaker then carries no meaning.
type Comparison struct {
	Stronger, Weaker int
	Tie              bool
}

// String formats c as "3>7", or "3=7" for a tie.
func (c Comparison) String() string {
	if c.Tie {
		return fmt.Sprintf("%d=%d", c.Stronger, c.Weaker)
	}
	return fmt.Sprintf("%d>%d", c.Stronger, c.Weaker)
}

// checkIndices panics unless both indices of comps[k] lie in [0, n); fn names the caller.
func checkIndices(fn string, n, k int, c Comparison) {
	if c.Stronger < 0 || c.Stronger >= n || c.Weaker < 0 || c.Weaker >= n {
		panic(fmt.Sprintf("pop: %s: comparison %d (%v) has an index outside [0, %d)", fn, k, c, n))
	}
}

// Touched reports, for each of the n preferences, whether it appears in some comparison.
// It panics if a comparison has an index outside [0, n).
func Touched(n int, comps []Comparison) []bool {
	if n < 0 {
		panic(fmt.Sprintf("pop: Touched: negative n = %d", n))
	}
	touched := make([]bool, n)
	for k, c := range comps {
		checkIndices("Touched", n, k, c)
		touched[c.Stronger] = true
		touched[c.Weaker] = true
	}
	return touched
}

// LabelAccuracy returns the share of non-tie comparisons whose label agrees with strengths,
//
//	accuracy = #{c : !c.Tie and s[c.Stronger] > s[c.Weaker]} / #{c : !c.Tie},
//
// a diagnostic of label noise. A non-tie label between equal strengths counts as a
// disagreement. With no non-tie comparison the result is NaN. It panics if a comparison has an
// index outside [0, len(strengths)).
func LabelAccuracy(strengths []float64, comps []Comparison) float64 {
	agree, total := 0, 0
	for k, c := range comps {
		checkIndices("LabelAccuracy", len(strengths), k, c)
		if c.Tie {
			continue
		}
		total++
		if strengths[c.Stronger] > strengths[c.Weaker] {
			agree++
		}
	}
	if total == 0 {
		return math.NaN()
	}
	return float64(agree) / float64(total)
}
