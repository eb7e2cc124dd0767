package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poprlhf/sandbox/popkit/backend"
)

// The tests run the real binary, built once by TestMain with GOEXPERIMENT=simd, as a user
// would: flags in, exit code, stdout, stderr and files out.

// runLimit bounds every invocation of the binary: a run that trains takes about 10 s on two
// cores, so a run still going after runLimit hangs, and the test fails instead of waiting.
const runLimit = 3 * time.Minute

var (
	// popkitBin is the binary under test.
	popkitBin string
	// sharedDir holds the tiny data set and the baseline run that several tests compare with.
	sharedDir string
)

func TestMain(m *testing.M) {
	// The binary re-executes itself the same way; the test process does so for consistency
	// (and so that anything run in-process later gets the fast math.Exp).
	if err := backend.WithFastExp(); err != nil {
		fmt.Fprintln(os.Stderr, "popkit tests:", err)
	}
	os.Exit(runTests(m))
}

// runTests builds the binary into a temporary directory, runs the tests and cleans up.
func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "popkit-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "popkit tests:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	sharedDir = dir

	popkitBin = filepath.Join(dir, "popkit")
	if runtime.GOOS == "windows" {
		popkitBin += ".exe"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", popkitBin, ".")
	build.Env = append(os.Environ(), "GOEXPERIMENT=simd")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "popkit tests: go build: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// result is what one invocation of the binary gave.
type result struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

// String describes r for failure messages, with the end of stderr.
func (r result) String() string {
	tail := r.stderr
	if len(tail) > 2000 {
		tail = "..." + tail[len(tail)-2000:]
	}
	return fmt.Sprintf("exit code %d after %v; stderr:\n%s", r.code,
		r.elapsed.Round(time.Millisecond), tail)
}

// execPopkit runs the binary with args, killing it after runLimit; the error reports a run
// that hit the limit or could not start.
func execPopkit(args ...string) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, popkitBin, args...)
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	if ctx.Err() != nil {
		return r, fmt.Errorf("popkit %s did not finish within %v (a hang); stderr:\n%s",
			strings.Join(args, " "), runLimit, r.stderr)
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		return r, fmt.Errorf("popkit %s: %w", strings.Join(args, " "), err)
	}
	return r, nil
}

// popkit runs the binary with args and fails the test if it hangs or cannot start.
func popkit(t *testing.T, args ...string) result {
	t.Helper()
	r, err := execPopkit(args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("popkit %s: exit code %d in %v", strings.Join(args, " "), r.code,
		r.elapsed.Round(time.Millisecond))
	return r
}

// tinyTopics give the tiny data set's prompts some variety.
var tinyTopics = []string{"bread", "tea", "rain", "maps", "bees", "clocks", "rivers", "chess"}

// tinyPairs is the number of pairs in the tiny data set: enough for a held-out share of
// 0.2 (5 pairs) and a batch of the quick preset (8), few enough to train in seconds.
const tinyPairs = 24

// tinyData returns 24 UltraFeedback-style JSONL lines (prompt, chosen, rejected,
// source_index, metadata.score_chosen, metadata.score_rejected), with rating gaps 1, 2, 3
// and 4.5 so that the margin buckets are populated and no pair is a tie.
func tinyData() []byte {
	var b bytes.Buffer
	for i := range tinyPairs {
		topic := tinyTopics[i%len(tinyTopics)]
		chosen := 5.0 + float64(i%5)
		gap := []float64{1, 2, 3, 4.5}[i%4]
		line, _ := json.Marshal(map[string]any{
			"prompt": fmt.Sprintf("Tell me one thing about %s (question %d).", topic, i),
			"chosen": fmt.Sprintf("Here is a fact about %s: people have studied %s for "+
				"centuries, and there is a lot to say.", topic, topic),
			"rejected":     fmt.Sprintf("No idea about %s.", topic),
			"source_index": 1000 + i,
			"metadata": map[string]float64{"score_chosen": chosen,
				"score_rejected": chosen - gap},
		})
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// methods are the methods the training tests compare, as given to --methods.
const methods = "dpo,fixed,gt,pop"

// trainArgs are the flags of a small training run on data writing to out.
func trainArgs(data, out string, extra ...string) []string {
	args := []string{"run", "--data", data, "--methods", methods, "--seeds", "2", "--quick",
		"--steps", "3", "--sft-steps", "3", "--out", out}
	return append(args, extra...)
}

// baseline is one run of trainArgs on the tiny data set, made once and compared with by
// several tests. Its directory must not be modified; copy it first.
var baseline struct {
	once sync.Once
	data string // the data file, an absolute path
	out  string // the output directory
	res  result
	err  error
}

// baselineRun returns the baseline run, running it on first use, and fails the test if it
// did not exit 0.
func baselineRun(t *testing.T) (data, out string, res result) {
	t.Helper()
	baseline.once.Do(func() {
		baseline.data = filepath.Join(sharedDir, "tiny.jsonl")
		baseline.out = filepath.Join(sharedDir, "baseline")
		if baseline.err = os.WriteFile(baseline.data, tinyData(), 0o644); baseline.err != nil {
			return
		}
		baseline.res, baseline.err = execPopkit(trainArgs(baseline.data, baseline.out)...)
	})
	if baseline.err != nil {
		t.Fatal("baseline run:", baseline.err)
	}
	if baseline.res.code != 0 {
		t.Fatalf("baseline run: %v", baseline.res)
	}
	return baseline.data, baseline.out, baseline.res
}

// copyDir copies the regular files of src into a new directory dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readFileT returns the content of path, failing the test when it cannot be read.
func readFileT(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// noStackTrace fails the test when stderr shows a Go panic or stack trace.
func noStackTrace(t *testing.T, stderr string) {
	t.Helper()
	for _, mark := range []string{"goroutine ", "panic:"} {
		if strings.Contains(stderr, mark) {
			t.Errorf("stderr shows a Go stack trace (%q):\n%s", mark, stderr)
		}
	}
}
