package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/poprlhf/sandbox/popkit/pop"
)

// The tests of "popkit pop fit" call dispatch in-process on files in t.TempDir().

// popFitData returns a JSONL preference file whose pairs have the given ids, in order.
func popFitData(ids ...string) string {
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, `{"id":%q,"prompt":"p","chosen":"c","rejected":"r",`+
			`"score_chosen":2,"score_rejected":1}`+"\n", id)
	}
	return b.String()
}

// popFitComps parses comparisons written as Comparison.String does: "0>1", or "0=1" for a
// tie.
func popFitComps(specs ...string) []pop.Comparison {
	comps := make([]pop.Comparison, len(specs))
	for k, spec := range specs {
		a, b, ok := strings.Cut(spec, ">")
		if !ok {
			a, b, _ = strings.Cut(spec, "=")
			comps[k].Tie = true
		}
		comps[k].Stronger, _ = strconv.Atoi(a)
		comps[k].Weaker, _ = strconv.Atoi(b)
	}
	return comps
}

// popFitFile writes content to name in dir and returns the path.
func popFitFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// popFitDispatch runs "popkit ARGS..." in-process and returns stdout, stderr and the error.
func popFitDispatch(args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = dispatch(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// popFitScores reads a scores file, checking its header, and returns its ids and scores.
func popFitScores(t *testing.T, path string) (ids []string, scores []float64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], []string{"id", "score"}) {
		t.Fatalf("%s: header %q, want id,score", path, recs)
	}
	for _, r := range recs[1:] {
		v, err := strconv.ParseFloat(r[1], 64)
		if err != nil {
			t.Fatalf("%s: row %q: %v", path, r, err)
		}
		ids = append(ids, r[0])
		scores = append(scores, v)
	}
	return ids, scores
}

func TestPopFitMatchesBradleyTerry(t *testing.T) {
	log2 := math.Log(2)
	tests := []struct {
		name     string
		labels   string
		data     []string // pair ids of --ids-from; nil: no --ids-from
		flags    []string
		cfg      pop.FitConfig    // the fit that the scores must equal
		wantIDs  []string         // the preferences, in output order
		comps    []pop.Comparison // the labels as indices into wantIDs
		wantHand []float64        // a hand derivation of the scores, when there is one
	}{
		{
			// a beat b twice and lost once; b and c each won once. Without ridge the maximum
			// likelihood has sigmoid(u_a - u_b) = 2/3, so u_a - u_b = log 2, and u_b = u_c;
			// centred: u = (2/3, -1/3, -1/3) * log 2 = (0.4621, -0.2310, -0.2310).
			name:     "connected, no ridge",
			labels:   "stronger,weaker\na,b\na,b\nb,a\nb,c\nc,b\n",
			data:     []string{"a", "b", "c"},
			flags:    []string{"--ridge", "0"},
			cfg:      pop.FitConfig{NoRidge: true},
			wantIDs:  []string{"a", "b", "c"},
			comps:    popFitComps("0>1", "0>1", "1>0", "1>2", "2>1"),
			wantHand: []float64{2 * log2 / 3, -log2 / 3, -log2 / 3},
		},
		{
			// The same labels, with ids from the label file in order of first appearance
			// (b on line 2 before a), so the scores come out in the order b, a, c.
			name:     "connected, no ridge, ids from the labels",
			labels:   "stronger,weaker\nb,a\na,b\na,b\nb,c\nc,b\n",
			flags:    []string{"--ridge", "0"},
			cfg:      pop.FitConfig{NoRidge: true},
			wantIDs:  []string{"b", "a", "c"},
			comps:    popFitComps("0>1", "1>0", "1>0", "0>2", "2>0"),
			wantHand: []float64{-log2 / 3, 2 * log2 / 3, -log2 / 3},
		},
		{
			// The cycle x > y > z > x and a tie x = y. At u = 0 every gradient vanishes: each
			// preference has one win (+sigmoid(0) = +0.5) and one loss (-0.5), and the tie adds
			// 0.5 - sigmoid(0) = 0. The objective is concave, so u = 0 is the maximum.
			name:     "ties, no ridge",
			labels:   "stronger,weaker,tie\nx,y,0\ny,z,false\nz,x,0\nx,y,true\n",
			flags:    []string{"--ridge", "0"},
			cfg:      pop.FitConfig{NoRidge: true},
			wantIDs:  []string{"x", "y", "z"},
			comps:    popFitComps("0>1", "1>2", "2>0", "0=1"),
			wantHand: []float64{0, 0, 0},
		},
		{
			// The default ridge (0.1); d is in the data but in no label, so its score is 0.
			name:    "default ridge, an untouched preference",
			labels:  "stronger,weaker\na,b\nc,a\nc,b\n",
			data:    []string{"a", "b", "c", "d"},
			cfg:     pop.FitConfig{},
			wantIDs: []string{"a", "b", "c", "d"},
			comps:   popFitComps("0>1", "2>0", "2>1"),
		},
		{
			// One label and ridge 0.5: u_a = -u_b = s where the gradient sigmoid(-2s) - 0.5 s
			// vanishes; bisection in Python (python3, math.exp) on 1/(1+exp(2s)) - 0.5*s over
			// [0, 2] gives s = 0.5212984570002789.
			name:     "explicit ridge",
			labels:   "stronger,weaker\na,b\n",
			data:     []string{"a", "b"},
			flags:    []string{"--ridge", "0.5"},
			cfg:      pop.FitConfig{Ridge: 0.5},
			wantIDs:  []string{"a", "b"},
			comps:    popFitComps("0>1"),
			wantHand: []float64{0.5212984570002789, -0.5212984570002789},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "scores.csv")
			args := []string{"pop", "fit", "--labels", popFitFile(t, dir, "l.csv", tc.labels),
				"--out", out}
			if tc.data != nil {
				args = append(args, "--ids-from",
					popFitFile(t, dir, "d.jsonl", popFitData(tc.data...)))
			}
			args = append(args, tc.flags...)
			if _, stderr, err := popFitDispatch(args...); err != nil {
				t.Fatalf("%v\nstderr:\n%s", err, stderr)
			}

			ids, got := popFitScores(t, out)
			if !slices.Equal(ids, tc.wantIDs) {
				t.Fatalf("ids %q, want %q", ids, tc.wantIDs)
			}
			// The output is formatted with the shortest exact representation, so the scores
			// equal the package's fit bit for bit.
			want, _, err := pop.FitBradleyTerry(len(tc.wantIDs), tc.comps, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("scores %v, want pop.FitBradleyTerry's %v", got, want)
			}
			for i, h := range tc.wantHand {
				// The fit stops at a gradient below 1e-8, with curvature of order 0.1 or more.
				if math.Abs(got[i]-h) > 1e-6 {
					t.Errorf("score of %s = %.8f, want %.8f by hand", ids[i], got[i], h)
				}
			}
			mean := 0.0
			for _, v := range got {
				mean += v / float64(len(got))
			}
			if math.Abs(mean) > 1e-12 {
				t.Errorf("scores are not centred: mean %g", mean)
			}
		})
	}
}

func TestPopFitNeedsRidge(t *testing.T) {
	// a only wins: without ridge its score would go to infinity.
	dir := t.TempDir()
	labels := popFitFile(t, dir, "l.csv", "stronger,weaker\na,b\na,c\nb,c\nc,b\n")
	out := filepath.Join(dir, "scores.csv")

	_, stderr, err := popFitDispatch("pop", "fit", "--labels", labels, "--out", out,
		"--ridge", "0")
	if !errors.Is(err, pop.ErrNeedsRidge) {
		t.Fatalf("error %v, want one wrapping pop.ErrNeedsRidge", err)
	}
	// Win graph: {a} and {b, c} are the 2 strongly connected groups; 1 component, 0 untouched.
	want := "without a ridge (--ridge 0) the Bradley-Terry scores are not finite: the win " +
		"graph splits into 2 strongly connected groups (1 connected components, 0 untouched " +
		"preferences), so some preferences only win or only lose against the rest; fit with " +
		"a ridge, --ridge R with R > 0 (default 0.1), or add labels that connect them"
	if err.Error() != want {
		t.Errorf("error\n %s\nwant\n %s", err, want)
	}
	if code := exitCode(err); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if !strings.Contains(stderr, "strongly connected groups  2\n") ||
		!strings.Contains(stderr, "ridge                      0 (none)\n") {
		t.Errorf("stderr has no report of the graph:\n%s", stderr)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists after a failed fit (stat: %v)", out, err)
	}

	// The default ridge keeps the scores finite, and a, which only wins, comes first.
	if _, stderr, err := popFitDispatch("pop", "fit", "--labels", labels, "--out",
		out); err != nil {
		t.Fatalf("with the default ridge: %v\n%s", err, stderr)
	}
	ids, scores := popFitScores(t, out)
	if !slices.Equal(ids, []string{"a", "b", "c"}) || !(scores[0] > scores[1]) ||
		!(scores[0] > scores[2]) {
		t.Errorf("with the default ridge: ids %q, scores %v; want a with the top score", ids,
			scores)
	}
}

func TestPopFitBadInput(t *testing.T) {
	tests := []struct {
		name   string
		labels string
		data   string // JSONL for --ids-from; "" for none
		want   string // the error, after the directory and a path separator
	}{
		{"unknown id", "stronger,weaker\na,b\nb,z\n", popFitData("a", "b", "c"),
			`l.csv:3: field "weaker": unknown preference id "z"; expected one of the 3 ` +
				`preference ids, such as "a"`},
		{"self-comparison", "stronger,weaker\nb,b\n", "",
			`l.csv:2: field "weaker": "b" is both the stronger and the weaker preference; ` +
				`expected two different preferences`},
		{"empty cell", "stronger,weaker\r\na,b\r\n\r\n,a\r\n", "",
			`l.csv:4: field "stronger": empty cell; expected a preference id`},
		{"bad tie cell", "stronger,weaker,tie\na,b,2\n", popFitData("a", "b"),
			`l.csv:2: field "tie": got "2"; expected 0, 1, false or true`},
		{"wrong header", "better,worse\na,b\n", "", `l.csv:1: the header is "better,worse"; ` +
			`expected "stronger,weaker", or "stronger,weaker,tie" with a tie column`},
		{"empty label file", "", "", `l.csv: empty file; expected the header ` +
			`"stronger,weaker" and one label per line`},
		// The data file is read first; its errors name it.
		{"bad data", "stronger,weaker\na,b\n", popFitData("a") + "{\"id\":\"b\"}\n",
			`d.jsonl:2: field "chosen": missing`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "scores.csv")
			args := []string{"pop", "fit", "--labels", popFitFile(t, dir, "l.csv", tc.labels),
				"--out", out}
			if tc.data != "" {
				args = append(args, "--ids-from", popFitFile(t, dir, "d.jsonl", tc.data))
			}
			_, _, err := popFitDispatch(args...)
			if want := dir + string(filepath.Separator) + tc.want; err == nil ||
				!strings.HasPrefix(err.Error(), want) {
				t.Errorf("error\n %v\nwant one starting with\n %s", err, want)
			}
			if code := exitCode(err); code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s exists after a failure (stat: %v)", out, err)
			}
		})
	}

	// Files that do not exist.
	dir := t.TempDir()
	labels := popFitFile(t, dir, "l.csv", "stronger,weaker\na,b\n")
	for _, args := range [][]string{
		{"--labels", filepath.Join(dir, "none.csv")},
		{"--labels", labels, "--ids-from", filepath.Join(dir, "none.jsonl")},
	} {
		args = append([]string{"pop", "fit", "--out", filepath.Join(dir, "s.csv")}, args...)
		_, _, err := popFitDispatch(args...)
		if !errors.Is(err, os.ErrNotExist) || exitCode(err) != 1 {
			t.Errorf("%q: error %v, want a missing file with exit code 1", args, err)
		}
	}

	// An output directory that does not exist.
	_, _, err := popFitDispatch("pop", "fit", "--labels", labels, "--out",
		filepath.Join(dir, "none", "s.csv"))
	if !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "writing the scores") {
		t.Errorf("output in a missing directory: error %v, want a failure to write", err)
	}
}

func TestPopFitOutput(t *testing.T) {
	// Ids that need CSV quoting, and an untouched preference in the middle of the data.
	dir := t.TempDir()
	data := popFitFile(t, dir, "d.jsonl", popFitData("q,1", "q2", `q"3"`, "q4"))
	labels := popFitFile(t, dir, "l.csv",
		"stronger,weaker,tie\n\"q,1\",q2,0\nq4,\"q,1\",0\nq2,q4,1\n")
	out := filepath.Join(dir, "scores.csv")
	if err := os.WriteFile(out, []byte("old contents\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	stdout, stderr, err := popFitDispatch("pop", "fit", "--labels", labels, "--ids-from",
		data, "--out", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	ids, scores := popFitScores(t, out)
	if !slices.Equal(ids, []string{"q,1", "q2", `q"3"`, "q4"}) || len(scores) != 4 {
		t.Errorf("ids %q, %d scores; want the 4 ids of the data, in order", ids, len(scores))
	}
	if scores[2] != 0 {
		t.Errorf("the untouched preference has score %g, want 0 (the ridge's mean)", scores[2])
	}
	b, _ := os.ReadFile(out)
	if !strings.HasPrefix(string(b), "id,score\n\"q,1\",") {
		t.Errorf("file starts %q, want the header and a quoted id", b)
	}
	// The atomic write leaves no temporary file behind.
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"d.jsonl", "l.csv", "scores.csv"}) {
		t.Errorf("directory holds %q, want only the inputs and scores.csv", names)
	}

	// The report: 4 preferences, 3 labels with 1 tie; the 3 touched preferences form one
	// component of 3, and q"3" is a component of its own; the win graph q,1 > q2 = q4 > q,1
	// is one strongly connected group plus q"3".
	comps := popFitComps("0>1", "3>0", "1=3")
	_, report, err := pop.FitBradleyTerry(4, comps, pop.FitConfig{})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("popkit pop fit: %s\n"+
		"  preferences                4 (ids from %s)\n"+
		"  labels                     3\n"+
		"  ties                       1\n"+
		"  connected components       2\n"+
		"  largest component          3\n"+
		"  strongly connected groups  2\n"+
		"  untouched preferences      1\n"+
		"  ridge                      0.1\n"+
		"  iterations                 %d\n"+
		"wrote 4 scores to %s\n", labels, data, report.Iterations, out)
	if stderr != want {
		t.Errorf("stderr\n%s\nwant\n%s", stderr, want)
	}
	if stdout != "" {
		t.Errorf("stdout %q, want nothing", stdout)
	}
}

func TestPopFitUsage(t *testing.T) {
	dir := t.TempDir()
	labels := popFitFile(t, dir, "l.csv", "stronger,weaker\na,b\n")
	out := filepath.Join(dir, "s.csv")
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string // substrings that must appear
	}{
		{"no sub-command", []string{"pop"}, 2, "", "popkit pop fit [flags]"},
		{"unknown sub-command", []string{"pop", "fits"}, 2, "",
			"popkit pop: unknown command \"fits\"\n\nUsage:\n  popkit pop fit [flags]"},
		{"help", []string{"pop", "help"}, 0, "popkit pop fit [flags]", ""},
		// As with "popkit run -h", asked-for flag help goes to stderr with exit code 0.
		{"fit help", []string{"pop", "fit", "-h"}, 0, "", "-ids-from"},
		{"listed in the main usage", []string{"help"}, 0, "popkit pop fit ...", ""},
		{"no --labels", []string{"pop", "fit", "--out", out}, 2, "",
			"the flag --labels is required"},
		{"no --out", []string{"pop", "fit", "--labels", labels}, 2, "",
			"the flag --out is required"},
		{"unknown flag", []string{"pop", "fit", "--label", labels}, 2, "",
			"flag provided but not defined: -label"},
		{"extra argument", []string{"pop", "fit", "--labels", labels, "--out", out, "x"}, 2, "",
			`unexpected argument "x"`},
		{"ridge not a number", []string{"pop", "fit", "--labels", labels, "--out", out,
			"--ridge", "big"}, 2, "", `invalid value "big" for flag -ridge`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, err := popFitDispatch(tc.args...)
			code := 0
			if err != nil {
				code = exitCode(err)
			}
			if code != tc.code {
				t.Errorf("exit code %d (error %v), want %d", code, err, tc.code)
			}
			if !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stdout %q, stderr %q: want %q and %q in them", stdout, stderr,
					tc.stdout, tc.stderr)
			}
		})
	}

	// Flag values that parse but cannot be used are errors with exit code 1.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--ridge", "-0.1"}, "flag --ridge = -0.1: expected a finite number >= 0 " +
			"(0: no ridge)"},
		{[]string{"--ridge", "NaN"}, "flag --ridge = NaN: expected"},
		{[]string{"--ridge", "+Inf"}, "flag --ridge = +Inf: expected"},
		{[]string{"--out", labels}, "flag --out " + strconv.Quote(labels) + ": it would " +
			"overwrite the labels; choose another file"},
	} {
		args := append([]string{"pop", "fit", "--labels", labels, "--out", out}, tc.args...)
		_, _, err := popFitDispatch(args...)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || exitCode(err) != 1 {
			t.Errorf("%q: error %v, want one starting with %q and exit code 1", tc.args, err,
				tc.want)
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s was written by a failing command (stat: %v)", out, err)
	}
}
