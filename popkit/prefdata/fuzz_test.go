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

// FuzzParseRaw checks that RawOptions.ParseRaw never panics under every score and pairing,
// that every error is a *ParseError whose message starts with the file name, and that the
// pairs it returns satisfy the invariants ParseJSONL's do (it keeps empty responses).
func FuzzParseRaw(f *testing.F) {
	seeds := []string{
		rawLine,
		rawLine + "\r\n\r\n" + rawLine + "\n",
		"\xef\xbb\xbf" + rawLine,
		// Shaped like openbmb/UltraFeedback's flan and sharegpt files, cut to two completions.
		`{"source":"flan_v2_niv2","instruction":"In this task, translate \u00e9t\u00e9.",` +
			`"models":["gpt-4","llama-2-7b-chat"],"correct_answers":["None"],` +
			`"incorrect_answers":["None"],"completions":[{"annotations":{"helpfulness":` +
			`{"Rating":"5","Rationale":"ok","Rationale For Rating":"r","Type":["1","2"]},` +
			`"honesty":{"Rating":"N/A","Rationale":"n"},"instruction_following":` +
			`{"Rating":"4","Rationale":"i"},"truthfulness":{"Rating":"5","Rationale":"t",` +
			`"Rationale For Rating":"r","Type":["0"]}},"critique":"Good.","custom_system_prompt":` +
			`"","fine-grained_score":4.6667,"model":"gpt-4","overall_score":8.5,` +
			`"principle":"helpfulness","response":"summer"},{"annotations":{"helpfulness":` +
			`{"Rating":"2"},"honesty":{"Rating":"3"},"instruction_following":{"Rating":"1"},` +
			`"truthfulness":{"Rating":"2"}},"critique":"Wrong.","fine-grained_score":2,` +
			`"model":"llama-2-7b-chat","overall_score":"4","principle":"honesty",` +
			`"response":""}]}`,
		`{"instruction":"Q","completions":[{"response":"a","overall_score":1,` +
			`"annotations":{"honesty":[{"Rating":3}]}},{"response":"b","overall_score":1,` +
			`"annotations":{"honesty":[{"Rating":"3"}]}}]}`,
		`{"instruction":"Q","completions":[{"response":"a","overall_score":"N/A",` +
			`"annotations":{}}]}`,
		`{"instruction":"Q","completions":[{"response":"a","overall_score":"nan"}]}`,
		`{"instruction":"Q","completions":[{"overall_score":1}]}`,
		// Finite scores whose margin, or ratings whose sum, overflows.
		`{"instruction":"Q","completions":[{"response":"a","overall_score":1e308},` +
			`{"response":"b","overall_score":-1e308}]}`,
		`{"instruction":"Q","completions":[{"response":"a","annotations":{"honesty":` +
			`{"Rating":1e308},"helpfulness":{"Rating":1e308}}},{"response":"b",` +
			`"annotations":{"honesty":{"Rating":1}}}]}`,
		`{"completions":[]}`,
		"[]",
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	const name = "dir/flan_v2_niv2.jsonl"
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, score := range []prefdata.RawScore{prefdata.MeanRating, prefdata.OverallScore} {
			for _, pairing := range []prefdata.RawPairing{prefdata.AllPairs,
				prefdata.BestVsRandom, prefdata.BestVsWorst} {
				opts := prefdata.RawOptions{Score: score, Pairing: pairing, Seed: 1}
				pairs, st, err := opts.ParseRaw(bytes.NewReader(data), name)
				if err != nil {
					var pe *prefdata.ParseError
					if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), name+":") {
						t.Fatalf("%+v: error %q is not a *ParseError starting with %s", opts,
							err, name)
					}
					continue
				}
				checkInvariants(t, prefdata.EmptyKeep, pairs)
				if st.Pairs != len(pairs) || st.Ties > st.Pairs || st.Unscored > st.Completions {
					t.Fatalf("%+v: stats %+v for %d pairs", opts, st, len(pairs))
				}
			}
		}
	})
}
