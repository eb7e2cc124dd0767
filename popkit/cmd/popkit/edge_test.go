package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// edgeArgs are the flags of a minimal run on data (one seed, DPO and DPO-PoP, two steps).
func edgeArgs(data, out string, extra ...string) []string {
	return append([]string{"run", "--data", data, "--methods", "dpo,pop", "--seeds", "1",
		"--quick", "--steps", "2", "--sft-steps", "2", "--out", out}, extra...)
}

// tinyLines returns the lines of tinyData, without their newlines.
func tinyLines() []string {
	return strings.Split(strings.TrimSuffix(string(tinyData()), "\n"), "\n")
}

// TestEdgeCasesRefused runs the command on inputs it cannot train on: each must exit 1 before
// training with a message naming the file (and the line and field where there is one) and what
// was expected, without a stack trace, and must not create the output directory.
func TestEdgeCasesRefused(t *testing.T) {
	lines := tinyLines()
	tie := func(line string) string {
		var m map[string]any
		_ = json.Unmarshal([]byte(line), &m)
		md := m["metadata"].(map[string]any)
		md["score_rejected"] = md["score_chosen"]
		b, _ := json.Marshal(m)
		return string(b)
	}
	var tied []string
	for _, l := range lines {
		tied = append(tied, tie(l))
	}
	cases := []struct {
		name, data string
		labels     string   // a PoP label file, when not empty
		extra      []string // more flags
		want       []string // in stderr; "FILE" stands for the data file's path
	}{
		{name: "empty file", data: "", want: []string{"FILE: no preference pairs in the file"}},
		{name: "blank lines only", data: "\n\r\n  \n",
			want: []string{"FILE: no preference pairs in the file"}},
		{name: "single pair", data: lines[0] + "\n",
			want: []string{"FILE gives 1 training and 0 held-out pairs; need at least 2 and 1"}},
		{name: "all pairs tied", data: strings.Join(tied, "\n") + "\n",
			want: []string{"every pair of FILE is a tie", "expected some pairs with " +
				"score_chosen > score_rejected"}},
		{name: "duplicate pair", data: strings.Join(lines, "\n") + "\n" + lines[3] + "\n",
			want: []string{`FILE:25: field "source_index": duplicate id "1003", first used ` +
				"on line 4"}},
		{name: "invalid UTF-8", data: lines[0] + "\n" + strings.Replace(lines[1], "Here is",
			"Here \xff is", 1) + "\n", want: []string{`FILE:2: field "chosen": expected ` +
			"UTF-8 text, found an invalid byte sequence"}},
		{name: "prompt with no response", data: lines[0] + "\n" +
			`{"prompt": "Only a question?", "source_index": 7, "metadata": {"score_chosen": 2,` +
			` "score_rejected": 1}}` + "\n",
			want: []string{`FILE:2: field "chosen": missing: expected a string or a list of ` +
				"chat messages"}},
		{name: "label names an unknown pair", data: strings.Join(lines, "\n") + "\n",
			labels: "stronger,weaker\n1000,1001\n1002,9999\n",
			want: []string{`labels.csv:3: field "weaker": unknown preference id "9999"; ` +
				"expected one of the 24 preference ids"}},
		{name: "k larger than the data allows", data: strings.Join(lines, "\n") + "\n",
			extra: []string{"--pop-k", "1000000000"},
			want: []string{"1000000000 PoP comparisons per preference (k) but FILE gives 19 " +
				"training pairs", "expected k <= 18"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "pairs.jsonl")
			if err := os.WriteFile(data, []byte(c.data), 0o644); err != nil {
				t.Fatal(err)
			}
			extra := c.extra
			if c.labels != "" {
				labels := filepath.Join(dir, "labels.csv")
				if err := os.WriteFile(labels, []byte(c.labels), 0o644); err != nil {
					t.Fatal(err)
				}
				extra = append(extra, "--pop-labels", labels)
			}
			out := filepath.Join(dir, "out")
			res := popkit(t, edgeArgs(data, out, extra...)...)
			if res.code != 1 {
				t.Errorf("exit code %d, want 1; stderr:\n%s", res.code, res.stderr)
			}
			for _, want := range c.want {
				want = strings.ReplaceAll(want, "FILE", data)
				if !strings.Contains(res.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
				}
			}
			noStackTrace(t, res.stderr)
			if strings.Contains(res.stderr, "msg=training") {
				t.Error("training started")
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was created for a run that could not start", out)
			}
		})
	}
}

// TestEdgeCasesAccepted runs the command on unusual inputs it must handle: a response of 10
// MB (cut to the sequence limit, with a warning), the same pair content under two ids, and
// the tiny data set with CRLF line endings, which must give exactly the results of the same
// data with LF endings (the baseline run).
func TestEdgeCasesAccepted(t *testing.T) {
	lines := tinyLines()
	t.Run("CRLF line endings", func(t *testing.T) {
		_, base, _ := baselineRun(t)
		dir := t.TempDir()
		data := filepath.Join(dir, "crlf.jsonl")
		crlf := strings.Join(lines, "\r\n") + "\r\n"
		if err := os.WriteFile(data, []byte(crlf), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out")
		res := popkit(t, trainArgs(data, out)...)
		if res.code != 0 {
			t.Fatalf("%v", res)
		}
		for _, name := range []string{"runs.csv", "summary.csv"} {
			if !bytes.Equal(readFileT(t, filepath.Join(base, name)),
				readFileT(t, filepath.Join(out, name))) {
				t.Errorf("%s with CRLF endings differs from the LF run's", name)
			}
		}
	})

	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatal(err)
	}
	m["chosen"] = strings.Repeat("a long answer ", 10<<20/14) // 10 MB
	huge, _ := json.Marshal(m)
	m["chosen"], m["source_index"] = "Here is a fact.", 5000
	copy1, _ := json.Marshal(m)
	m["source_index"] = 5001
	copy2, _ := json.Marshal(m)
	cases := []struct {
		name, data string
		want       string // in stderr
	}{
		{"10 MB response", string(huge) + "\n" + strings.Join(lines[1:], "\n") + "\n",
			"responses cut to fit the sequence limits"},
		{"duplicate content under two ids", strings.Join(lines, "\n") + "\n" + string(copy1) +
			"\n" + string(copy2) + "\n", "msg=evaluated method=pop"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "pairs.jsonl")
			if err := os.WriteFile(data, []byte(c.data), 0o644); err != nil {
				t.Fatal(err)
			}
			res := popkit(t, edgeArgs(data, filepath.Join(dir, "out"))...)
			if res.code != 0 {
				t.Fatalf("%v", res)
			}
			if !strings.Contains(res.stderr, c.want) {
				t.Errorf("stderr lacks %q:\n%s", c.want, res.stderr)
			}
			noStackTrace(t, res.stderr)
		})
	}
}
