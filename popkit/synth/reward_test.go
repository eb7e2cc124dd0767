package synth

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// pyRef names the independent implementation the expected rewards below were checked
// against: a short Python program with a full-matrix Levenshtein distance, format as the
// regular expression [A-Za-z]+( [A-Za-z]+)* matched against the whole response, and the
// formulas of Reward, printed with 17 significant digits.
const pyRef = "Python reference"

func TestScore(t *testing.T) {
	tests := []struct {
		name, answer, response string
		want                   Reward
	}{
		// The ideal answer: lev = 0, clean, same length: 0.6 + 0.25 + 0.15 = 1.
		{"ideal", "pmal", "pmal", Reward{1, 1, 1, 1}},
		// One substitution: lev 1 of max 4 -> accuracy 0.75; clean; same length.
		// r* = 0.6*0.75 + 0.25 + 0.15 = 0.85.
		{"one typo", "pmal", "pmol", Reward{0.75, 1, 1, 0.85}},
		// One extra letter: lev 1 of max 5 -> 0.8; length 1 - 1/4 = 0.75.
		// r* = 0.48 + 0.25 + 0.1125 = 0.8425.
		{"extra letter", "pmal", "pmall", Reward{0.8, 1, 0.75, 0.8425}},
		// One missing letter: lev 1 of max 4 -> 0.75; length 1 - 1/4 = 0.75.
		// r* = 0.45 + 0.25 + 0.1125 = 0.8125.
		{"missing letter", "pmal", "pml", Reward{0.75, 1, 0.75, 0.8125}},
		// Filler opener: lev 6 ("sure! " deleted) of max 10 -> 0.4; "!" breaks the format;
		// 6 extra bytes of 4 -> length 0. r* = 0.6*0.4 = 0.24.
		{"filler opener", "pmal", "sure! pmal", Reward{0.4, 0, 0, 0.24}},
		// Filler closer: lev 3 of max 7 -> 4/7; not clean; length 1 - 3/4 = 0.25.
		// r* = 0.6*4/7 + 0.15*0.25 = 0.342857... + 0.0375 = 0.380357142857...
		{"filler closer", "pmal", "pmal :)", Reward{4.0 / 7, 0, 0.25, 0.6*4.0/7 + 0.0375}},
		// Empty: lev 4 of max 4 -> 0; empty is not clean; 4 missing bytes of 4 -> 0.
		{"empty", "pmal", "", Reward{0, 0, 0, 0}},
		// 100 bytes, the answer 25 times: lev 96 of max 100 -> 0.04; clean (letters only);
		// length 0. r* = 0.024 + 0.25 = 0.274.
		{"very long", "pmal", strings.Repeat("pmal", 25), Reward{0.04, 1, 0, 0.274}},
		// 1000 letters none in the answer: lev 1000 of 1000 -> 0; clean; length 0 -> 0.25.
		{"very long junk", "pmal", strings.Repeat("x", 1000), Reward{0, 1, 0, 0.25}},
		// Leading space: lev 1 of 5 -> 0.8; not clean; length 0.75.
		// r* = 0.48 + 0.1125 = 0.5925. A trailing newline and a stray invalid byte are alike.
		{"leading space", "pmal", " pmal", Reward{0.8, 0, 0.75, 0.5925}},
		{"trailing newline", "pmal", "pmal\n", Reward{0.8, 0, 0.75, 0.5925}},
		{"invalid UTF-8", "pmal", "\xffpmal", Reward{0.8, 0, 0.75, 0.5925}},
		// Wrong case: every byte differs -> accuracy 0; clean; same length -> 0.25 + 0.15.
		{"wrong case", "pmal", "PMAL", Reward{0, 1, 1, 0.4}},
		{"lowercase for upper", "LAMP", "lamp", Reward{0, 1, 1, 0.4}},
		// A doubled space in a sort answer: lev 1 of 6 -> 5/6; not clean; length 1 - 1/5.
		// r* = 0.6*5/6 + 0.15*0.8 = 0.5 + 0.12 = 0.62.
		{"double space", "a b d", "a  b d", Reward{5.0 / 6, 0, 0.8, 0.62}},
		{"sort ideal", "a b d", "a b d", Reward{1, 1, 1, 1}},
		// A repeat cut short: lev 2 of 6 -> 2/3; clean; length 1 - 2/6 = 2/3.
		// r* = 0.4 + 0.25 + 0.1 = 0.75.
		{"short repeat", "ababab", "abab", Reward{2.0 / 3, 1, 2.0 / 3, 0.75}},
	}
	const tol = 1e-12
	for _, tc := range tests {
		got := Score(tc.answer, tc.response)
		if math.Abs(got.Accuracy-tc.want.Accuracy) > tol || got.Format != tc.want.Format ||
			math.Abs(got.Length-tc.want.Length) > tol ||
			math.Abs(got.Total-tc.want.Total) > tol {
			t.Errorf("%s: Score(%q, %.20q) = %v, want %v (checked against the %s)", tc.name,
				tc.answer, tc.response, got, tc.want, pyRef)
		}
	}
}

func TestScoreRange(t *testing.T) {
	// Random responses over an alphabet that exercises every rule: r* and its parts stay in
	// [0, 1], and the total is the weighted sum of the parts.
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abpmlAPM !\n\xff"
	for range 2000 {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		r := Score("pmal", string(b))
		for _, v := range []float64{r.Accuracy, r.Format, r.Length, r.Total} {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("Score(pmal, %q) = %v: a part outside [0, 1]", b, r)
			}
		}
		sum := WeightAccuracy*r.Accuracy + WeightFormat*r.Format + WeightLength*r.Length
		if math.Abs(r.Total-sum) > 1e-15 {
			t.Fatalf("Score(pmal, %q).Total = %g, want the weighted sum %g", b, r.Total, sum)
		}
		if (r.Total == 1) != (string(b) == "pmal") {
			t.Fatalf("Score(pmal, %q).Total = %g: 1 exactly for the ideal answer only", b,
				r.Total)
		}
	}
	if s := WeightAccuracy + WeightFormat + WeightLength; s != 1 {
		t.Errorf("weights sum to %g, want 1", s)
	}
}

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"abc", "abc", 0},
		{"kitten", "sitting", 3}, // k->s, e->i, insert g: the textbook example
		{"flaw", "lawn", 2},      // delete f, insert n
		{"ab", "ba", 2},          // no transpositions: two substitutions
		{"pmalpmal", "pmal", 4},  // four deletions
	}
	for _, tc := range tests {
		if got := levenshtein(tc.a, tc.b); got != tc.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := levenshtein(tc.b, tc.a); got != tc.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d (symmetry)", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"pmal", true}, {"LAMP", true}, {"a b d", true}, {"aB c", true},
		{"", false}, {" ", false}, {" a", false}, {"a ", false}, {"a  b", false},
		{"a\nb", false}, {"a.", false}, {"a1", false}, {"\xff", false}, {"é", false},
	}
	for _, tc := range tests {
		if got := clean(tc.s); got != tc.want {
			t.Errorf("clean(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestScorePanics(t *testing.T) {
	mustPanic(t, "synth: Score: empty answer", func() { Score("", "x") })
}

func TestGoldReward(t *testing.T) {
	var w World // the gold reward does not depend on the world's data
	// "reverse: lamp" has answer "pmal"; "pmol" is one typo away: 0.85 (see TestScore).
	if got := w.GoldReward("reverse: lamp\n", "pmol"); math.Abs(got-0.85) > 1e-12 {
		t.Errorf("GoldReward(reverse: lamp, pmol) = %g, want 0.85", got)
	}
	// "repeat 2: ab" has answer "abab": the ideal answer scores 1.
	if got := w.GoldReward("repeat 2: ab\n", "abab"); got != 1 {
		t.Errorf("GoldReward(repeat 2: ab, abab) = %g, want 1", got)
	}
	mustPanic(t, `synth: GoldReward: synth: invalid prompt "what is 2+2?"`, func() {
		w.GoldReward("what is 2+2?", "4")
	})
}
