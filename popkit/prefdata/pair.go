package prefdata

import "fmt"

// Pair is one preference: for Prompt, the response Chosen was preferred to Rejected.
// Scores are ratings (on UltraFeedback's 1-10 scale for its data); every pair the readers
// return has finite scores with ScoreChosen >= ScoreRejected.
type Pair struct {
	// ID identifies the pair within its file; see the package documentation for the rule.
	ID string
	// Prompt is the instruction x.
	Prompt string
	// Chosen is the preferred response y_w.
	Chosen string
	// Rejected is the dispreferred response y_l.
	Rejected string
	// ScoreChosen is the rating s_w of Chosen.
	ScoreChosen float64
	// ScoreRejected is the rating s_l of Rejected.
	ScoreRejected float64
}

// Margin returns the pair's ground-truth margin, the rating gap
//
//	m* = ScoreChosen - ScoreRejected
//
// which is >= 0 for every pair the readers return, and 0 for a tie.
func (p Pair) Margin() float64 {
	return p.ScoreChosen - p.ScoreRejected
}

// Tie reports whether the two responses have equal scores (Margin() == 0). Ties are kept by
// the readers; evaluation reports them separately.
func (p Pair) Tie() bool {
	return p.Margin() == 0
}

// Margins returns the ground-truth margin of every pair, in order:
//
//	out[i] = pairs[i].ScoreChosen - pairs[i].ScoreRejected
//
// The result has len(pairs) entries (none for an empty slice).
func Margins(pairs []Pair) []float64 {
	out := make([]float64, len(pairs))
	for i, p := range pairs {
		out[i] = p.Margin()
	}
	return out
}

// ParseError is the error the readers return for a record that cannot be used. It is always
// returned as a pointer, so errors.As(err, new(*ParseError)) finds it.
type ParseError struct {
	// File is the name given to the reader (the path, for ReadJSONL).
	File string
	// Line is the 1-based line number, or 0 for an error about the whole file.
	Line int
	// Field is the path of the offending field, such as "metadata.score_chosen" or
	// "chosen[1].content"; empty when the error is about the whole line or file.
	Field string
	// Msg says what was found and what was expected.
	Msg string
}

// Error formats the error as
//
//	FILE:LINE: field "FIELD": MSG
//
// leaving out ":LINE" when Line is 0 and `field "FIELD": ` when Field is empty.
func (e *ParseError) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", where, e.Msg)
	}
	return fmt.Sprintf("%s: field %q: %s", where, e.Field, e.Msg)
}
