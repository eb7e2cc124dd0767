package prefdata

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// RawScore chooses which rating of a raw UltraFeedback completion scores it.
type RawScore int

const (
	// MeanRating scores a completion by the mean of its fine-grained ratings (helpfulness,
	// honesty, instruction following, truthfulness; each 1-5, "N/A" left out), the rule
	// HuggingFaceH4/ultrafeedback_binarized was rebuilt with. Scores lie in [1, 5].
	MeanRating RawScore = iota
	// OverallScore scores a completion by its overall_score (1-10), the critique model's
	// rating, which is wrong for some completions upstream (see data/README.md).
	OverallScore
)

var rawScoreNames = [...]string{"mean", "overall"}

// String returns "mean" or "overall".
func (s RawScore) String() string {
	if s < 0 || int(s) >= len(rawScoreNames) {
		return fmt.Sprintf("RawScore(%d)", int(s))
	}
	return rawScoreNames[s]
}

// ParseRawScore returns the score with the given name ("mean" or "overall").
func ParseRawScore(name string) (RawScore, error) {
	for i, n := range rawScoreNames {
		if n == name {
			return RawScore(i), nil
		}
	}
	return 0, fmt.Errorf("prefdata: unknown raw score %q (valid: %s)", name,
		strings.Join(rawScoreNames[:], ", "))
}

// RawPairing chooses which pairs of a prompt's completions become preference pairs.
type RawPairing int

const (
	// AllPairs makes a pair of every two scored completions (6 for four completions), the
	// higher-scored one chosen; equal scores make a tie, the earlier completion chosen.
	AllPairs RawPairing = iota
	// BestVsRandom pairs the best-scored completion (the first, on ties) with one other drawn
	// at random: HuggingFaceH4/ultrafeedback_binarized's rule. One pair per prompt.
	BestVsRandom
	// BestVsWorst pairs the best-scored completion with the worst-scored one (the first of
	// each, on ties). One pair per prompt.
	BestVsWorst
)

var rawPairingNames = [...]string{"all", "best-random", "best-worst"}

// String returns "all", "best-random" or "best-worst".
func (p RawPairing) String() string {
	if p < 0 || int(p) >= len(rawPairingNames) {
		return fmt.Sprintf("RawPairing(%d)", int(p))
	}
	return rawPairingNames[p]
}

// ParseRawPairing returns the pairing with the given name.
func ParseRawPairing(name string) (RawPairing, error) {
	for i, n := range rawPairingNames {
		if n == name {
			return RawPairing(i), nil
		}
	}
	return 0, fmt.Errorf("prefdata: unknown raw pairing %q (valid: %s)", name,
		strings.Join(rawPairingNames[:], ", "))
}

// RawOptions configures [RawOptions.ParseRaw]. The zero value means: score by the mean
// fine-grained rating, every pair of completions, seed 0.
type RawOptions struct {
	Score   RawScore
	Pairing RawPairing
	// Seed drives the random choice of [BestVsRandom]; the draw for a record depends only on
	// the seed and its line number.
	Seed uint64
}

// RawStats counts what [RawOptions.ParseRaw] saw.
type RawStats struct {
	// Prompts is the number of records; Completions the number of completions in them.
	Prompts, Completions int
	// Unscored counts completions without a usable score (no numeric rating for the mean,
	// no overall_score), which take part in no pair.
	Unscored int
	// Pairs is the number of pairs made; Ties how many of them have equal scores.
	Pairs, Ties int
}

// rawAspects are the fine-grained aspects of an UltraFeedback annotation.
var rawAspects = [...]string{"helpfulness", "honesty", "instruction_following", "truthfulness"}

// rawRecord is one line of openbmb/UltraFeedback.
type rawRecord struct {
	Instruction *string `json:"instruction"`
	Completions []struct {
		Response     *string                    `json:"response"`
		OverallScore json.RawMessage            `json:"overall_score"`
		Annotations  map[string]json.RawMessage `json:"annotations"`
	} `json:"completions"`
}

// ParseRaw reads raw UltraFeedback records (openbmb/UltraFeedback: one JSON object per line
// with "instruction" and "completions", each completion with "response", "overall_score" and
// "annotations" holding a {"Rating": "1".."5" or "N/A"} object per aspect) and turns each
// prompt's completions into preference pairs, scored as o.Score says and paired as o.Pairing
// says. Pair IDs are NAME:LINE:I-J, with NAME the base name of name without its extension,
// I the chosen and J the rejected completion's index in the record. A line that is not such
// a record is a [*ParseError] naming the line and field, as is a pair whose margin is not
// finite (scores far off any rating scale); a file with no pairs is one too.
func (o RawOptions) ParseRaw(r io.Reader, name string) ([]Pair, RawStats, error) {
	if o.Score < 0 || int(o.Score) >= len(rawScoreNames) ||
		o.Pairing < 0 || int(o.Pairing) >= len(rawPairingNames) {
		return nil, RawStats{}, fmt.Errorf("prefdata: invalid RawOptions %+v", o)
	}
	base := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	errf := func(line int, field, format string, args ...any) error {
		return &ParseError{File: name, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	var (
		pairs []Pair
		st    RawStats
		buf   []byte
	)
	br := bufio.NewReaderSize(r, 64<<10)
	for lineNo := 1; ; lineNo++ {
		var err error
		buf, err = readLine(br, buf[:0])
		if err != nil && err != io.EOF {
			return nil, st, fmt.Errorf("prefdata: %s:%d: %w", name, lineNo, err)
		}
		line := bytes.TrimSpace(bytes.TrimPrefix(buf, utf8BOM))
		if len(line) > 0 {
			var rec rawRecord
			if jerr := json.Unmarshal(line, &rec); jerr != nil {
				return nil, st, errf(lineNo, "", "not a raw UltraFeedback record: %v", jerr)
			}
			if rec.Instruction == nil {
				return nil, st, errf(lineNo, "instruction", "missing; want the prompt as a string")
			}
			st.Prompts++
			var scored []scoredText
			for i, c := range rec.Completions {
				st.Completions++
				field := fmt.Sprintf("completions[%d]", i)
				if c.Response == nil {
					return nil, st, errf(lineNo, field+".response", "missing; want a string")
				}
				s, ok, serr := o.score(c.OverallScore, c.Annotations)
				if serr != nil {
					return nil, st, errf(lineNo, field+"."+serr.field, "%s", serr.msg)
				}
				if !ok {
					st.Unscored++
					continue
				}
				scored = append(scored, scoredText{index: i, text: *c.Response, score: s})
			}
			for _, ij := range o.pairs(scored, lineNo) {
				w, l := scored[ij[0]], scored[ij[1]]
				if math.IsInf(w.score-l.score, 0) {
					return nil, st, errf(lineNo, fmt.Sprintf("completions[%d]", w.index),
						"the margin over completions[%d], %g - (%g), is not finite: expected "+
							"scores on a rating scale", l.index, w.score, l.score)
				}
				pairs = append(pairs, Pair{
					ID:     fmt.Sprintf("%s:%d:%d-%d", base, lineNo, w.index, l.index),
					Prompt: *rec.Instruction, Chosen: w.text, Rejected: l.text,
					ScoreChosen: w.score, ScoreRejected: l.score,
				})
				st.Pairs++
				if w.score == l.score {
					st.Ties++
				}
			}
		}
		if err == io.EOF {
			break
		}
	}
	if len(pairs) == 0 {
		return nil, st, &ParseError{File: name, Msg: fmt.Sprintf("no preference pairs: %d "+
			"records, %d completions, %d without a %s score", st.Prompts, st.Completions,
			st.Unscored, o.Score)}
	}
	return pairs, st, nil
}

type scoredText struct {
	index int
	text  string
	score float64
}

type fieldError struct{ field, msg string }

// score returns a completion's score; ok is false when it has none.
func (o RawOptions) score(overall json.RawMessage, ann map[string]json.RawMessage) (
	float64, bool, *fieldError) {
	if o.Score == OverallScore {
		return rating(overall, "overall_score")
	}
	sum, n := 0.0, 0
	for _, a := range rawAspects {
		raw, ok := ann[a]
		if !ok {
			continue
		}
		// An aspect is {"Rating": ...}, or a one-element list of it in some exports.
		var obj struct {
			Rating json.RawMessage `json:"Rating"`
		}
		if err := json.Unmarshal(raw, &obj); err != nil {
			var list []struct {
				Rating json.RawMessage `json:"Rating"`
			}
			if err := json.Unmarshal(raw, &list); err != nil || len(list) != 1 {
				return 0, false, &fieldError{"annotations." + a,
					"want an object with a Rating (or a list of one)"}
			}
			obj.Rating = list[0].Rating
		}
		v, ok, ferr := rating(obj.Rating, "annotations."+a+".Rating")
		if ferr != nil {
			return 0, false, ferr
		}
		if ok {
			sum += v
			n++
		}
	}
	if n == 0 {
		return 0, false, nil
	}
	if math.IsInf(sum, 0) {
		return 0, false, &fieldError{"annotations", fmt.Sprintf("the sum of the ratings is "+
			"%g: expected ratings on a rating scale", sum)}
	}
	return sum / float64(n), true, nil
}

// rating parses a rating given as a number or a numeric string; null, "" and "N/A" mean
// none.
func rating(raw json.RawMessage, field string) (float64, bool, *fieldError) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, false, nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, false, &fieldError{field, "not a valid JSON string"}
		}
		s = strings.TrimSpace(s)
		if s == "" || strings.EqualFold(s, "N/A") {
			return 0, false, nil
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false, &fieldError{field, fmt.Sprintf("%q is not a finite number or \"N/A\"",
			s)}
	}
	return v, true, nil
}

// pairs returns (chosen, rejected) index pairs into scored.
func (o RawOptions) pairs(scored []scoredText, lineNo int) [][2]int {
	if len(scored) < 2 {
		return nil
	}
	best, worst := 0, 0
	for i, s := range scored {
		if s.score > scored[best].score {
			best = i
		}
		if s.score < scored[worst].score {
			worst = i
		}
	}
	switch o.Pairing {
	case BestVsRandom:
		rng := rand.New(rand.NewPCG(o.Seed, uint64(lineNo)))
		j := rng.IntN(len(scored) - 1)
		if j >= best {
			j++
		}
		return [][2]int{{best, j}}
	case BestVsWorst:
		if worst == best { // all equal
			worst = 1
			if best == 1 {
				worst = 0
			}
		}
		return [][2]int{{best, worst}}
	default:
		var out [][2]int
		for i := range scored {
			for j := i + 1; j < len(scored); j++ {
				if scored[j].score > scored[i].score {
					out = append(out, [2]int{j, i})
				} else {
					out = append(out, [2]int{i, j})
				}
			}
		}
		return out
	}
}

// ReadRaw opens path and parses it as [RawOptions.ParseRaw] does, with path as the name.
func (o RawOptions) ReadRaw(path string) ([]Pair, RawStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, RawStats{}, fmt.Errorf("prefdata: %w", err)
	}
	defer f.Close()
	return o.ParseRaw(f, path)
}

// flatRecord is the flat JSONL form that [ParseJSONL] reads.
type flatRecord struct {
	ID            string  `json:"id"`
	Prompt        string  `json:"prompt"`
	Chosen        string  `json:"chosen"`
	Rejected      string  `json:"rejected"`
	ScoreChosen   float64 `json:"score_chosen"`
	ScoreRejected float64 `json:"score_rejected"`
}

// WriteJSONL writes pairs to w in the flat form that [ParseJSONL] reads back unchanged: one
// object per line with id, prompt, chosen, rejected, score_chosen and score_rejected.
func WriteJSONL(w io.Writer, pairs []Pair) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, p := range pairs {
		if err := enc.Encode(flatRecord{p.ID, p.Prompt, p.Chosen, p.Rejected, p.ScoreChosen,
			p.ScoreRejected}); err != nil {
			return fmt.Errorf("prefdata: writing pair %q: %w", p.ID, err)
		}
	}
	return bw.Flush()
}
