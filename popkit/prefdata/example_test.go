package prefdata_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/poprlhf/sandbox/popkit/prefdata"
)

func ExampleParseJSONL() {
	// One flat record with scores under metadata, one chat record in the trl-lib shape.
	data := `{"source_index":17,"prompt":"Name a colour.","chosen":"Blue.","rejected":"Nine.",` +
		`"metadata":{"score_chosen":8.5,"score_rejected":2}}
{"chosen":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}],` +
		`"rejected":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Bye."}],` +
		`"score_chosen":6,"score_rejected":6}
`
	pairs, err := prefdata.ParseJSONL(strings.NewReader(data), "example.jsonl")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range pairs {
		fmt.Printf("%s: %q > %q for %q, margin %g, tie %v\n", p.ID, p.Chosen, p.Rejected,
			p.Prompt, p.Margin(), p.Tie())
	}
	// Output:
	// 17: "Blue." > "Nine." for "Name a colour.", margin 6.5, tie false
	// 1: "Hello!" > "Bye." for "Hi", margin 0, tie true
}

func ExampleReadJSONL() {
	dir, err := os.MkdirTemp("", "prefdata")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "pairs.jsonl")
	record := `{"id":"a","prompt":"p","chosen":"c","rejected":"r",` +
		`"score_chosen":7,"score_rejected":3}` + "\n"
	if err := os.WriteFile(path, []byte(record), 0o644); err != nil {
		fmt.Println(err)
		return
	}

	pairs, err := prefdata.ReadJSONL(path)
	fmt.Println(len(pairs), pairs[0].ID, pairs[0].Margin(), err)
	// Output:
	// 1 a 4 <nil>
}

func ExampleParseError() {
	data := `{"prompt":"p","chosen":"c","rejected":"r","score_chosen":"7.5","score_rejected":3}`
	_, err := prefdata.ParseJSONL(strings.NewReader(data), "bad.jsonl")

	var pe *prefdata.ParseError
	if errors.As(err, &pe) {
		fmt.Printf("%s:%d: field %q:\n", pe.File, pe.Line, pe.Field)
		fmt.Println(pe.Msg)
	}
	// Output:
	// bad.jsonl:1: field "score_chosen":
	// expected a number, got the string "7.5" (write the number without quotes)
}

func ExampleOptions_ParseJSONL() {
	// UltraFeedback has a few empty responses: keep them (default), reject them or skip them.
	data := `{"prompt":"p","chosen":"c","rejected":"r","score_chosen":7,"score_rejected":3}
{"prompt":"p","chosen":"c","rejected":"","score_chosen":7,"score_rejected":1}
`
	for _, policy := range prefdata.EmptyPolicies() {
		opts := prefdata.Options{Empty: policy}
		pairs, err := opts.ParseJSONL(strings.NewReader(data), "d.jsonl")
		var pe *prefdata.ParseError
		if errors.As(err, &pe) {
			fmt.Printf("%s: error on line %d, field %q\n", policy, pe.Line, pe.Field)
			continue
		}
		fmt.Printf("%s: %d pairs\n", policy, len(pairs))
	}
	// Output:
	// keep: 2 pairs
	// reject: error on line 2, field "rejected"
	// skip: 1 pairs
}

func ExampleParseEmptyPolicy() {
	p, err := prefdata.ParseEmptyPolicy("skip")
	fmt.Println(p == prefdata.EmptySkip, err)
	_, err = prefdata.ParseEmptyPolicy("drop")
	fmt.Println(err)
	// Output:
	// true <nil>
	// prefdata: unknown empty-response policy "drop" (valid: keep, reject, skip)
}

func ExampleSplit() {
	pairs := make([]prefdata.Pair, 10)
	for i := range pairs {
		pairs[i] = prefdata.Pair{ID: fmt.Sprint(i), ScoreChosen: float64(i)}
	}
	train, test := prefdata.Split(pairs, 0.3, 1)
	fmt.Println("train:", ids(train))
	fmt.Println("test: ", ids(test))
	// Output:
	// train: [0 1 5 6 7 8 9]
	// test:  [2 3 4]
}

func ExampleMargins() {
	pairs := []prefdata.Pair{
		{ScoreChosen: 9, ScoreRejected: 1},
		{ScoreChosen: 7.5, ScoreRejected: 7.5},
		{ScoreChosen: 6, ScoreRejected: 4.5},
	}
	fmt.Println(prefdata.Margins(pairs))
	// Output:
	// [8 0 1.5]
}
