package prefdata_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// rawLine is one openbmb/UltraFeedback record with three completions whose mean ratings are
// 4 (5, 3), 2 (2, "N/A", 2) and 4 (4, 4): a tie at the top.
const rawLine = `{"instruction":"Q","completions":[` +
	`{"response":"a","overall_score":6,"annotations":` +
	`{"helpfulness":{"Rating":"5"},"honesty":{"Rating":"3"}}},` +
	`{"response":"b","overall_score":"7.5","annotations":{"helpfulness":{"Rating":"2"},` +
	`"honesty":{"Rating":"N/A"},"truthfulness":[{"Rating":2}]}},` +
	`{"response":"c","overall_score":null,"annotations":` +
	`{"instruction_following":{"Rating":"4"},"honesty":{"Rating":"4"}}}]}`

func TestParseRawPairings(t *testing.T) {
	type idm struct {
		ID     string
		Margin float64
	}
	tests := []struct {
		opts prefdata.RawOptions
		want []idm // by hand from rawLine's ratings
	}{
		{prefdata.RawOptions{}, []idm{{"f:1:0-1", 2}, {"f:1:0-2", 0}, {"f:1:2-1", 2}}},
		{prefdata.RawOptions{Pairing: prefdata.BestVsWorst}, []idm{{"f:1:0-1", 2}}},
		// overall: a 6, b 7.5 (a numeric string), c none
		{prefdata.RawOptions{Score: prefdata.OverallScore}, []idm{{"f:1:1-0", 1.5}}},
	}
	for _, tt := range tests {
		pairs, st, err := tt.opts.ParseRaw(strings.NewReader(rawLine+"\n\n"), "dir/f.jsonl")
		if err != nil {
			t.Fatal(err)
		}
		var got []idm
		for _, p := range pairs {
			got = append(got, idm{p.ID, p.Margin()})
			if p.Prompt != "Q" {
				t.Errorf("prompt %q", p.Prompt)
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%+v: got %v, want %v", tt.opts, got, tt.want)
		}
		if st.Prompts != 1 || st.Completions != 3 || st.Pairs != len(tt.want) {
			t.Errorf("%+v: stats %+v", tt.opts, st)
		}
	}
}

func TestParseRawBestVsRandom(t *testing.T) {
	var lines []string
	for range 40 {
		lines = append(lines, rawLine)
	}
	in := strings.Join(lines, "\n")
	o := prefdata.RawOptions{Pairing: prefdata.BestVsRandom, Seed: 3}
	a, _, err := o.ParseRaw(strings.NewReader(in), "f")
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := o.ParseRaw(strings.NewReader(in), "f")
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different pairs")
	}
	rejected := map[string]int{}
	for _, p := range a {
		if p.Chosen != "a" { // the first of the two best (a and c, mean 4)
			t.Fatalf("chosen %q, want a", p.Chosen)
		}
		rejected[p.Rejected]++
	}
	// Over 40 records both others are drawn (each with probability 1/2: all one would have
	// probability 2^-39).
	if len(rejected) != 2 || rejected["a"] != 0 {
		t.Errorf("rejected draws %v, want b and c", rejected)
	}
}

func TestParseRawErrors(t *testing.T) {
	tests := []struct {
		in, want string
		score    prefdata.RawScore
	}{
		{`{"completions":[]}`, `f:1: field "instruction": missing`, prefdata.MeanRating},
		{`[1]`, `f:1: not a raw UltraFeedback record`, prefdata.MeanRating},
		{`{"instruction":"q","completions":[{"response":"a",` +
			`"annotations":{"honesty":{"Rating":"five"}}}]}`,
			`f:1: field "completions[0].annotations.honesty.Rating": ` +
				`"five" is not a finite number`, prefdata.MeanRating},
		{`{"instruction":"q","completions":[{"annotations":{}}]}`,
			`f:1: field "completions[0].response": missing`, prefdata.MeanRating},
		{`{"instruction":"q","completions":[{"response":"a",` +
			`"annotations":{"honesty":{"Rating":"N/A"}}},{"response":"b","annotations":{}}]}`,
			`f: no preference pairs: 1 records, 2 completions, 2 without a mean score`,
			prefdata.MeanRating},
		// Finite scores whose difference, or ratings whose sum, is not.
		{`{"instruction":"q","completions":[{"response":"a","overall_score":-1e308},` +
			`{"response":"b","overall_score":1e308}]}`,
			`f:1: field "completions[1]": the margin over completions[0], 1e+308 - (-1e+308), ` +
				`is not finite`, prefdata.OverallScore},
		{`{"instruction":"q","completions":[{"response":"a","annotations":` +
			`{"honesty":{"Rating":1e308},"helpfulness":{"Rating":"1e308"}}}]}`,
			`f:1: field "completions[0].annotations": the sum of the ratings is +Inf`,
			prefdata.MeanRating},
	}
	for _, tt := range tests {
		opts := prefdata.RawOptions{Score: tt.score}
		_, _, err := opts.ParseRaw(strings.NewReader(tt.in), "f")
		var pe *prefdata.ParseError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s:\n err %v\nwant %s", tt.in, err, tt.want)
		}
	}
	if _, err := prefdata.ParseRawScore("median"); err == nil {
		t.Error("ParseRawScore accepted median")
	}
}

func TestWriteJSONLRoundTrip(t *testing.T) {
	pairs, _, err := prefdata.RawOptions{}.ParseRaw(strings.NewReader(rawLine), "f")
	if err != nil {
		t.Fatal(err)
	}
	pairs[0].Chosen = "<tag> & \"quotes\"\r\nline"
	var buf bytes.Buffer
	if err := prefdata.WriteJSONL(&buf, pairs); err != nil {
		t.Fatal(err)
	}
	back, err := prefdata.ParseJSONL(&buf, "back")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, pairs) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, pairs)
	}
}

func TestSplitFiles(t *testing.T) {
	dir := t.TempDir()
	pair := func(id string) string {
		return `{"id":"` + id + `","prompt":"p","chosen":"c","rejected":"r",` +
			`"score_chosen":2,"score_rejected":1}` + "\n"
	}
	for name, body := range map[string]string{
		"train.jsonl":                 pair("t0"),
		"training.jsonl":              pair("x"), // not the train split: no separator
		"test.jsonl":                  pair("e0"),
		"data/train-00001.jsonl":      pair("t1"),
		"data/notes.txt":              "",
		"raw/train.jsonl":             pair("r"), // other folders are not searched
		"other/test_prefs-0.parquet":  "",
		"data/Train_extra.JSONL":      pair("t2"),
		"data/test_sft-00000.parquet": "",
		"data/test_prefs-00000.jsonl": pair("e1"),
		"data/test_prefs-00001.jsonl": pair("e2"),
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rel := func(paths []string) string {
		for i, p := range paths {
			paths[i], _ = filepath.Rel(dir, p)
		}
		return filepath.ToSlash(strings.Join(paths, " "))
	}
	train, err := prefdata.SplitFiles(dir, prefdata.TrainSplit)
	if err != nil {
		t.Fatal(err)
	}
	want := "data/Train_extra.JSONL data/train-00001.jsonl train.jsonl"
	if got := rel(train); got != want {
		t.Errorf("train files %s, want %s", got, want)
	}
	test, _ := prefdata.SplitFiles(dir, prefdata.TestSplit)
	want = "data/test_prefs-00000.jsonl data/test_prefs-00001.jsonl"
	if got := rel(test); got != want {
		t.Errorf("test files %s, want %s (only the _prefs files once some exist)", got, want)
	}
	pairs, err := prefdata.ReadFile(dir)
	if err != nil || len(pairs) != 3 {
		t.Fatalf("ReadFile(dir): %d pairs, %v", len(pairs), err)
	}

	// The same id in two files of a split is refused.
	dup := filepath.Join(dir, "train-2.jsonl")
	if err := os.WriteFile(dup, []byte(pair("t1")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = prefdata.ReadFile(dir)
	if err == nil || !strings.Contains(err.Error(), `id "t1" is also used in`) {
		t.Errorf("duplicate id across files: err = %v", err)
	}
	_, err = prefdata.Options{}.ReadSplit(t.TempDir(), "validation")
	if err == nil || !strings.Contains(err.Error(), "no validation files") {
		t.Errorf("empty split: err = %v", err)
	}
}
