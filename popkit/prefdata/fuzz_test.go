package prefdata_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// FuzzParseJSONL checks that ParseJSONL never panics, fails only with a *ParseError, and that
// every pair it returns satisfies the documented invariants.
func FuzzParseJSONL(f *testing.F) {
	seeds := []string{
		good,
		`{"prompt": "how to cook t-bone in the oven",` +
			` "chosen": "Preheat to 200\u00b0C.\n\n1. Sear.",` +
			` "rejected": "", "source_index": 27808, "metadata": {"score_chosen": 9.0,` +
			` "score_rejected": 8.5}}`,
		`{"prompt":"Translate: \u0aaa","chosen":"\u0b06\u0b2e","rejected":"\u0b0f\u0b39\u0b3e",` +
			`"source_index":28230,"metadata":{"score_chosen":3.0,"score_rejected":2.0}}`,
		`{"prompt":"Fix:\r\n` + "```go\\nfunc f() {}\\n```" + `","prompt_id":"9f2c",` +
			`"chosen":[{"role":"user","content":"Fix"},{"role":"assistant","content":"Done."}],` +
			`"rejected":[{"role":"user","content":"Fix"},{"role":"assistant","content":"No"}],` +
			`"messages":[{"role":"user","content":"Fix"}],"score_chosen":7.5,"score_rejected":3}`,
		`{"chosen":[{"role":"system","content":"s"},{"role":"user","content":"u"},` +
			`{"role":"assistant","content":"a"}],"rejected":[{"role":"user","content":"u"},` +
			`{"role":"assistant","content":"b"}],"score_chosen":6,"score_rejected":6}`,
		"\xef\xbb\xbf" + good + "\r\n\r\n" + `{"id":1,` + good[1:] + "\r\n",
		`{"prompt":"p","chosen":"\ud83d\ude00","rejected":"\ud800","score_chosen":1,` +
			`"score_rejected":0}`,
		good + "\n" + good,
		`{"prompt":"p","chosen":"c","rejected":"r","score_chosen":"7.5","score_rejected":1}`,
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, policy := range prefdata.EmptyPolicies() {
			opts := prefdata.Options{Empty: policy}
			pairs, err := opts.ParseJSONL(bytes.NewReader(data), "fuzz")
			if err != nil {
				var pe *prefdata.ParseError
				if !errors.As(err, &pe) || pe.File != "fuzz" || pe.Line < 0 {
					t.Fatalf("%s: error %v is not a *ParseError for file fuzz", policy, err)
				}
				continue
			}
			checkInvariants(t, policy, pairs)
		}
	})
}

func checkInvariants(t *testing.T, policy prefdata.EmptyPolicy, pairs []prefdata.Pair) {
	t.Helper()
	if len(pairs) == 0 {
		t.Fatalf("%s: success with no pairs", policy)
	}
	seen := map[string]bool{}
	for i, p := range pairs {
		if p.ID == "" || seen[p.ID] {
			t.Fatalf("%s: pair %d: empty or duplicate ID %q", policy, i, p.ID)
		}
		seen[p.ID] = true
		for _, s := range []string{p.ID, p.Prompt, p.Chosen, p.Rejected} {
			if !utf8.ValidString(s) {
				t.Fatalf("%s: pair %d: invalid UTF-8 %q", policy, i, s)
			}
		}
		for _, v := range []float64{p.ScoreChosen, p.ScoreRejected} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s: pair %d: score %g", policy, i, v)
			}
		}
		m := p.Margin()
		if !(m >= 0) || math.IsInf(m, 0) || p.ScoreChosen < p.ScoreRejected ||
			p.Tie() != (m == 0) {
			t.Fatalf("%s: pair %d: scores %g, %g", policy, i, p.ScoreChosen, p.ScoreRejected)
		}
		empty := strings.TrimSpace(p.Chosen) == "" || strings.TrimSpace(p.Rejected) == ""
		if empty && policy != prefdata.EmptyKeep {
			t.Fatalf("%s: pair %d has an empty response", policy, i)
		}
	}
}
