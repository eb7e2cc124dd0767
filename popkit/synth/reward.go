package synth

import (
	"fmt"
	"math"
)

// Weights of the three parts of the gold reward; they sum to 1, so the reward lies in [0, 1].
const (
	// WeightAccuracy weighs [Reward.Accuracy], the closeness of the text to the answer.
	WeightAccuracy = 0.6
	// WeightFormat weighs [Reward.Format], a clean one-line answer without filler.
	WeightFormat = 0.25
	// WeightLength weighs [Reward.Length], the closeness of the length to the answer's.
	WeightLength = 0.15
)

// Reward is the gold reward r*(x, y) of a response y to a prompt x with ideal answer a, and
// its three parts, each in [0, 1]:
//
//	r*(x, y) = 0.6 * Accuracy + 0.25 * Format + 0.15 * Length          in [0, 1]
//	Accuracy = 1 - lev(y, a) / max(|y|, |a|)
//	Format   = 1 if y is clean, else 0
//	Length   = 1 - min(1, ||y| - |a|| / |a|)
//
// where lev is the Levenshtein distance over bytes (unit cost for an insertion, a deletion or a
// substitution) and |.| counts bytes. A response is clean when it is not empty and consists of
// ASCII letters (a-z, A-Z) and single spaces, with no space at either end: the shape of every
// ideal answer, so filler ("sure! ", " :)"), punctuation, digits, line breaks and stray spaces
// all cost the format part.
//
// The reward is 1 exactly for the ideal answer and 0 for the empty response (whose accuracy,
// format and length are all 0). Length is 1 at the ideal length and falls linearly to 0 at
// 0 bytes and at 2|a| bytes, so it penalizes padding and truncation alike. The weights are
// [WeightAccuracy], [WeightFormat] and [WeightLength]. This reward is our own construction.
type Reward struct {
	// Accuracy is the character-level similarity of the response to the answer.
	Accuracy float64
	// Format is 1 for a clean response, 0 otherwise.
	Format float64
	// Length is the closeness of the response's length to the answer's.
	Length float64
	// Total is the gold reward r*, the weighted sum of the three parts.
	Total float64
}

// String formats the reward as "r*=0.850 (accuracy 0.750, format 1, length 1.000)".
func (r Reward) String() string {
	return fmt.Sprintf("r*=%.3f (accuracy %.3f, format %g, length %.3f)", r.Total, r.Accuracy,
		r.Format, r.Length)
}

// Score returns the gold reward of response for the ideal answer answer (see [Reward] for the
// formula). Any response is accepted: empty, very long, not UTF-8. The cost is
// O(len(response) * len(answer)) time and O(len(answer)) memory. Score panics if answer is
// empty, since no prompt of the world has an empty answer.
func Score(answer, response string) Reward {
	if answer == "" {
		panic("synth: Score: empty answer")
	}
	var r Reward
	na, ny := float64(len(answer)), float64(len(response))

	r.Accuracy = 1 - float64(levenshtein(response, answer))/math.Max(na, ny)
	if clean(response) {
		r.Format = 1
	}
	r.Length = 1 - math.Min(1, math.Abs(ny-na)/na)
	r.Total = WeightAccuracy*r.Accuracy + WeightFormat*r.Format + WeightLength*r.Length
	return r
}

// GoldReward returns the gold reward r*(prompt, response), in [0, 1] (see [Reward]). The
// prompt must be one [ParsePrompt] accepts, as every prompt the world generates is; the
// response may be any string.
//
// GoldReward panics, quoting the prompt, if [ParsePrompt] rejects it: scoring a prompt from
// elsewhere is a programming error. Use ParsePrompt and [Score] to handle such prompts.
func (w *World) GoldReward(prompt, response string) float64 {
	p, err := ParsePrompt(prompt)
	if err != nil {
		panic(fmt.Sprintf("synth: GoldReward: %v", err))
	}
	return Score(p.Answer, response).Total
}

// clean reports whether s is non-empty, made of ASCII letters and single spaces, and has no
// space at either end.
func clean(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c == ' ' && s[i-1] != ' ':
		default:
			return false
		}
	}
	return true
}

// levenshtein returns the edit distance between a and b over bytes, keeping one row of
// len(b)+1 entries.
func levenshtein(a, b string) int {
	row := make([]int, len(b)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(a); i++ {
		diag := row[0] // distance of a[:i-1] to b[:j-1]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			next := min(row[j]+1, row[j-1]+1, diag+cost)
			diag = row[j]
			row[j] = next
		}
	}
	return row[len(b)]
}
