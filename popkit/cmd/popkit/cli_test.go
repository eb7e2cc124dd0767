package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The output format is a contract with notebooks and scripts, so names are spelled out here
// rather than taken from the packages that write them: a rename fails these tests.
var (
	wantMethods = strings.Split(methods, ",")
	// wantMetrics are the metrics every (method, seed) cell must have in runs.csv.
	wantMetrics = []string{"accuracy", "accuracy_weak", "accuracy_medium", "accuracy_strong",
		"spearman"}
)

// readCSV parses path as CSV with a header, failing the test when it cannot.
func readCSV(t *testing.T, path string) (header []string, rows [][]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(readFileT(t, path))).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(recs) == 0 {
		t.Fatalf("%s: empty", path)
	}
	return recs[0], recs[1:]
}

// TestRunWritesOutputs runs four methods over two seeds on 24 pairs through the binary and
// checks every file it writes.
func TestRunWritesOutputs(t *testing.T) {
	data, out, res := baselineRun(t)
	t.Logf("baseline run took %v", res.elapsed)
	noStackTrace(t, res.stderr)
	if !strings.Contains(res.stdout, "| method |") || !strings.Contains(res.stdout, "Wrote "+out) {
		t.Errorf("stdout lacks the summary table and the output directory:\n%s", res.stdout)
	}

	t.Run("runs.csv", func(t *testing.T) {
		header, rows := readCSV(t, filepath.Join(out, "runs.csv"))
		if !slices.Equal(header, []string{"method", "metric", "seed", "value"}) {
			t.Fatalf("header %v, want method,metric,seed,value", header)
		}
		count := map[string]int{}
		for _, r := range rows {
			if _, err := strconv.ParseFloat(r[3], 64); err != nil {
				t.Errorf("row %v: value is not a number", r)
			}
			count[strings.Join(r[:3], ",")]++
		}
		for key, n := range count {
			if n != 1 {
				t.Errorf("%s: %d rows, want 1", key, n)
			}
		}
		for _, m := range wantMethods {
			for _, metric := range wantMetrics {
				for seed := range 2 {
					if key := fmt.Sprintf("%s,%s,%d", m, metric, seed); count[key] != 1 {
						t.Errorf("no row %s", key)
					}
				}
			}
		}
		info, err := os.Stat(filepath.Join(out, "runs.csv"))
		if err == nil && info.Mode().Perm() != 0o644 {
			t.Errorf("runs.csv has mode %v, want -rw-r--r--", info.Mode().Perm())
		}
	})

	t.Run("summary.csv", func(t *testing.T) {
		header, rows := readCSV(t, filepath.Join(out, "summary.csv"))
		if !slices.Equal(header, []string{"method", "metric", "mean", "ci_low", "ci_high", "n"}) {
			t.Fatalf("header %v, want method,metric,mean,ci_low,ci_high,n", header)
		}
		seen := map[string]bool{}
		for _, r := range rows {
			key := r[0] + "," + r[1]
			if seen[key] {
				t.Errorf("%s: more than one row", key)
			}
			seen[key] = true
			if r[1] != "accuracy" && r[1] != "spearman" {
				continue
			}
			mean, err1 := strconv.ParseFloat(r[2], 64)
			low, err2 := strconv.ParseFloat(r[3], 64)
			high, err3 := strconv.ParseFloat(r[4], 64)
			if err1 != nil || err2 != nil || err3 != nil || math.IsNaN(mean) {
				t.Errorf("%s: mean, interval %q %q %q: want numbers, mean not NaN",
					key, r[2], r[3], r[4])
				continue
			}
			// An accuracy is a share, a Spearman correlation is in [-1, 1]; with two seeds
			// the t interval may leave those ranges, but must contain the mean.
			lo := map[string]float64{"accuracy": 0, "spearman": -1}[r[1]]
			if mean < lo || mean > 1 || !(low <= mean && mean <= high) {
				t.Errorf("%s: mean %g in [%g, %g]: out of range", key, mean, low, high)
			}
			if r[5] != "2" { // one value per seed, --seeds 2
				t.Errorf("%s: n = %s, want 2", key, r[5])
			}
		}
		for _, m := range wantMethods {
			for _, metric := range []string{"accuracy", "spearman"} {
				if !seen[m+","+metric] {
					t.Errorf("no row %s,%s", m, metric)
				}
			}
		}
	})

	t.Run("summary.md", func(t *testing.T) {
		md := string(readFileT(t, filepath.Join(out, "summary.md")))
		if !strings.Contains(md, "| method | accuracy |") {
			t.Errorf("summary.md lacks a table starting with the accuracy column:\n%s", md)
		}
		for _, m := range wantMethods {
			if !strings.Contains(md, "\n| "+m+" |") {
				t.Errorf("summary.md lacks a row for %s:\n%s", m, md)
			}
		}
	})

	t.Run("accuracy.svg", func(t *testing.T) {
		svg := readFileT(t, filepath.Join(out, "accuracy.svg"))
		if !bytes.HasPrefix(svg, []byte("<?xml")) || !bytes.Contains(svg, []byte("<svg")) ||
			!bytes.HasSuffix(bytes.TrimSpace(svg), []byte("</svg>")) {
			t.Errorf("accuracy.svg is not a whole SVG document: %.80q...", svg)
		}
	})

	t.Run("config.json", func(t *testing.T) {
		var rec struct {
			Setup struct {
				Data    string   `json:"data"`
				Methods []string `json:"methods"`
				Seeds   int      `json:"seeds"`
				Quick   bool     `json:"quick"`
			} `json:"setup"`
			Backend    string            `json:"backend"`
			SeedValues []int             `json:"seed_values"`
			Go         string            `json:"go_version"`
			GoMLX      string            `json:"gomlx_version"`
			Popkit     string            `json:"popkit_version"`
			Modules    map[string]string `json:"modules"`
		}
		raw := readFileT(t, filepath.Join(out, "config.json"))
		if err := json.Unmarshal(raw, &rec); err != nil {
			t.Fatal("config.json:", err)
		}
		s := rec.Setup
		if s.Data != data || !slices.Equal(s.Methods, wantMethods) || s.Seeds != 2 || !s.Quick ||
			rec.Backend == "" {
			t.Errorf("config.json records %+v, backend %q; want the flags given", s, rec.Backend)
		}
		// Versions: the test binary is built from this module, so each library's version is
		// known (a module version, never "unknown"); the go version is the toolchain's.
		if !slices.Equal(rec.SeedValues, []int{0, 1}) || !strings.HasPrefix(rec.Go, "go1.") ||
			!strings.HasPrefix(rec.GoMLX, "v") || rec.Popkit == "" {
			t.Errorf("config.json records seeds %v, go %q, gomlx %q, popkit %q", rec.SeedValues,
				rec.Go, rec.GoMLX, rec.Popkit)
		}
		for _, m := range []string{"github.com/gomlx/compute", "gonum.org/v1/gonum",
			"github.com/parquet-go/parquet-go"} {
			if v := rec.Modules[m]; !strings.HasPrefix(v, "v") {
				t.Errorf("config.json records version %q for %s", v, m)
			}
		}
	})
}

// TestRunRejectsBadData checks that a broken data file stops the run before any training
// with exit code 1 and a message naming the file, the line and the field, without a stack
// trace, and that nothing is written.
func TestRunRejectsBadData(t *testing.T) {
	good := func(i int) string {
		return fmt.Sprintf(`{"prompt": "q%d", "chosen": "good", "rejected": "bad", `+
			`"source_index": %d, "metadata": {"score_chosen": 8, "score_rejected": 5}}`, i, i)
	}
	cases := []struct {
		name  string
		line3 string   // the third line of the file; lines 1, 2 and 4 are valid
		want  []string // in stderr besides the file name and ":3:"
	}{
		// A syntax error is not attributed to a field: the message says what is wrong.
		{"invalid JSON", `{"prompt": "q2", "chosen": "good",`, []string{"invalid JSON"}},
		{"missing field", `{"prompt": "q2", "chosen": "good", "source_index": 2, ` +
			`"metadata": {"score_chosen": 8, "score_rejected": 5}}`,
			[]string{`field "rejected"`, "missing"}},
		{"non-numeric score", `{"prompt": "q2", "chosen": "good", "rejected": "bad", ` +
			`"source_index": 2, "metadata": {"score_chosen": "high", "score_rejected": 5}}`,
			[]string{`field "metadata.score_chosen"`, "expected a number"}},
		{"chosen below rejected", `{"prompt": "q2", "chosen": "good", "rejected": "bad", ` +
			`"source_index": 2, "metadata": {"score_chosen": 3, "score_rejected": 5}}`,
			[]string{`field "metadata.score_chosen"`, "below score_rejected"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "broken.jsonl")
			content := strings.Join([]string{good(0), good(1), c.line3, good(3)}, "\n") + "\n"
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			res := popkit(t, trainArgs(path, out)...)
			if res.code != 1 {
				t.Errorf("exit code %d, want 1", res.code)
			}
			for _, want := range append([]string{path + ":3:"}, c.want...) {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
				}
			}
			noStackTrace(t, res.stderr)
			if strings.Contains(res.stderr, "msg=training") {
				t.Error("training started despite the bad data")
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was created for a run that could not start", out)
			}
		})
	}
}

// TestUsageErrors checks flags and arguments the command cannot use: each gives a clear
// message on stderr, exit code 2 for misuse of the command line (as the flag package does)
// and 1 for a flag value that is checked later, and never a stack trace.
func TestUsageErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	cases := []struct {
		name string
		args []string
		code int
		want []string // in stderr
	}{
		{"unknown method", []string{"run", "--methods", "dpo,bogus", "--out", out}, 1,
			[]string{`unknown method "bogus"`, "valid: dpo, fixed, gt, pop"}},
		{"unknown flag", []string{"run", "--bogus", "--out", out}, 2,
			[]string{"flag provided but not defined: -bogus", "Usage: popkit run"}},
		{"bad flag value", []string{"run", "--seeds", "two", "--out", out}, 2,
			[]string{`invalid value "two" for flag -seeds`}},
		{"extra argument", []string{"run", "--out", out, "extra"}, 2,
			[]string{`unexpected argument "extra"`}},
		{"bad noise", []string{"run", "--pop-noise", "gauss:1", "--out", out}, 1,
			[]string{"--pop-noise", `unknown noise "gauss"`}},
		{"negative seeds", []string{"run", "--seeds", "-1", "--out", out}, 1,
			[]string{"seeds must be >= 1"}},
		{"negative curve-every", []string{"run", "--curve-every", "-2", "--out", out}, 1,
			[]string{"flag --curve-every: must be >= 0 (0: no curves), got -2"}},
		{"zero checkpoint-every", []string{"run", "--checkpoint-every", "0", "--out", out}, 1,
			[]string{"flag --checkpoint-every: must be >= 1 (steps between checkpoints), got 0"}},
		{"negative steps", []string{"run", "--steps", "-5", "--out", out}, 1,
			[]string{"flag --steps: must be >= 0 (0: the preset's), got -5"}},
		{"negative batch", []string{"run", "--batch", "-1", "--out", out}, 1,
			[]string{"flag --batch: must be >= 0"}},
		{"NaN learning rate", []string{"run", "--lr", "NaN", "--out", out}, 1,
			[]string{"flag --lr: must be a finite number >= 0 (0: the preset's), got NaN"}},
		{"infinite beta", []string{"run", "--beta", "+Inf", "--out", out}, 1,
			[]string{"flag --beta: must be a finite number > 0, got +Inf"}},
		{"missing data file", []string{"run", "--data", "/nonexistent/pairs.jsonl", "--out",
			out}, 1, []string{"/nonexistent/pairs.jsonl", "no such file"}},
		{"unknown command", []string{"train"}, 2,
			[]string{`unknown command "train"`, "Usage:"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := popkit(t, c.args...)
			if res.code != c.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", res.code, c.code, res.stderr)
			}
			for _, want := range c.want {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
				}
			}
			noStackTrace(t, res.stderr)
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was created for a run that could not start", out)
			}
		})
	}
}

// trainingLine matches the log line of a method's preference training.
var trainingLine = regexp.MustCompile(`msg=training method=(\S+) seed=(\d+)`)

// TestRunResumesMissingCell deletes the rows of one (method, seed) cell from a finished run's
// runs.csv and runs the same command again: only that cell is trained, and runs.csv and
// summary.csv come out byte-identical to the uninterrupted run's (training is deterministic
// for a seed, and the row order does not depend on which cells a run computed).
func TestRunResumesMissingCell(t *testing.T) {
	data, base, _ := baselineRun(t)
	cases := []struct {
		method string
		seed   int
	}{
		{"dpo", 0}, // the first cell written: its rows move to the end of runs.csv
		{"pop", 1}, // the last; its PoP diagnostics rows go too
		{"", 0},    // none: a finished run started again trains nothing
	}
	for _, c := range cases {
		name := fmt.Sprintf("%s,%d", c.method, c.seed)
		if c.method == "" {
			name = "complete"
		}
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			copyDir(t, base, out)
			runsPath := filepath.Join(out, "runs.csv")
			header, rows := readCSV(t, runsPath)
			var kept bytes.Buffer
			w := csv.NewWriter(&kept)
			_ = w.Write(header)
			removed := 0
			for _, r := range rows {
				if r[0] == c.method && r[2] == strconv.Itoa(c.seed) {
					removed++
					continue
				}
				_ = w.Write(r)
			}
			w.Flush()
			if removed == 0 && c.method != "" {
				t.Fatalf("no rows of %s, seed %d in %s", c.method, c.seed, runsPath)
			}
			if err := os.WriteFile(runsPath, kept.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}

			res := popkit(t, trainArgs(data, out)...)
			if res.code != 0 {
				t.Fatalf("resumed run: %v", res)
			}
			trained := trainingLine.FindAllStringSubmatch(res.stderr, -1)
			var want [][]string
			if c.method != "" {
				want = [][]string{{c.method, strconv.Itoa(c.seed)}}
			}
			got := make([][]string, len(trained))
			for i, m := range trained {
				got[i] = m[1:]
			}
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("trained (method, seed) %v, want only %v; stderr:\n%s", got, want,
					res.stderr)
			}
			for _, name := range []string{"runs.csv", "summary.csv", "summary.md"} {
				first := readFileT(t, filepath.Join(base, name))
				again := readFileT(t, filepath.Join(out, name))
				if !bytes.Equal(first, again) {
					t.Errorf("%s differs from the uninterrupted run's:\n%s\nvs\n%s", name,
						first, again)
				}
			}
		})
	}
}

// TestRunRefusesOtherSetup runs with --seeds 3 into the directory of a --seeds 2 run: the
// command must refuse (exit 1, a message naming the directory and config.json) before
// training, and leave the directory as it was.
func TestRunRefusesOtherSetup(t *testing.T) {
	data, base, _ := baselineRun(t)
	out := filepath.Join(t.TempDir(), "out")
	copyDir(t, base, out)
	res := popkit(t, trainArgs(data, out, "--seeds", "3")...)
	if res.code != 1 {
		t.Errorf("exit code %d, want 1", res.code)
	}
	for _, want := range []string{"holds a run with another setup", out,
		filepath.Join(out, "config.json")} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
		}
	}
	noStackTrace(t, res.stderr)
	if strings.Contains(res.stderr, "msg=training") {
		t.Error("training started in a directory holding another setup")
	}
	for _, name := range []string{"runs.csv", "summary.csv", "config.json"} {
		if !bytes.Equal(readFileT(t, filepath.Join(base, name)),
			readFileT(t, filepath.Join(out, name))) {
			t.Errorf("%s was changed by the refused run", name)
		}
	}
}

// TestRunIsDeterministic runs the baseline's command again into a fresh directory: runs.csv
// and summary.csv must be byte-identical.
func TestRunIsDeterministic(t *testing.T) {
	data, base, _ := baselineRun(t)
	out := filepath.Join(t.TempDir(), "out")
	res := popkit(t, trainArgs(data, out)...)
	if res.code != 0 {
		t.Fatalf("second run: %v", res)
	}
	for _, name := range []string{"runs.csv", "summary.csv"} {
		first := readFileT(t, filepath.Join(base, name))
		again := readFileT(t, filepath.Join(out, name))
		if !bytes.Equal(first, again) {
			t.Errorf("%s differs between two runs with the same flags:\n%s\nvs\n%s", name,
				first, again)
		}
	}
}

// TestHelpAndUsage checks the help texts and their exit codes: help asked for is printed to
// stdout with exit code 0; a missing command prints the usage to stderr with exit code 2.
func TestHelpAndUsage(t *testing.T) {
	cases := []struct {
		args               []string
		code               int
		stdout, stderr     string // substrings that must appear
		noStdout, noStderr bool   // whether stdout, stderr must be empty
	}{
		{args: []string{"help"}, code: 0, stdout: "popkit run [flags]", noStderr: true},
		{args: []string{"--help"}, code: 0, stdout: "popkit run [flags]", noStderr: true},
		{args: nil, code: 2, stderr: "popkit run [flags]", noStdout: true},
		{args: []string{"run", "-h"}, code: 0, stderr: "-pop-noise", noStdout: true},
	}
	for _, c := range cases {
		t.Run(strings.Join(append([]string{"popkit"}, c.args...), " "), func(t *testing.T) {
			res := popkit(t, c.args...)
			if res.code != c.code {
				t.Errorf("exit code %d, want %d", res.code, c.code)
			}
			if !strings.Contains(res.stdout, c.stdout) || !strings.Contains(res.stderr, c.stderr) {
				t.Errorf("stdout %q, stderr %q: want %q and %q in them", res.stdout, res.stderr,
					c.stdout, c.stderr)
			}
			if (c.noStdout && res.stdout != "") || (c.noStderr && res.stderr != "") {
				t.Errorf("output on the wrong stream: stdout %q, stderr %q", res.stdout,
					res.stderr)
			}
		})
	}
}
