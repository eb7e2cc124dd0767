package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// killArgs are the flags of the run TestKilledRunResumes kills: one seed, two methods, short
// training with a checkpoint after every step, on the tiny data set (no generative judge, so
// that most of the time goes to training).
func killArgs(data, out string) []string {
	return []string{"run", "--data", data, "--methods", "dpo,pop", "--seeds", "1", "--quick",
		"--steps", "16", "--sft-steps", "16", "--batch", "2", "--checkpoint-every", "1",
		"--out", out}
}

// startKill starts popkit with args and kills it with SIGKILL delay after it logs the start of
// training (of the reference or of a method). It returns the names of the checkpoint
// directories under out/checkpoints at the moment of the kill, and false when the run ended
// by itself before the kill.
func startKill(t *testing.T, args []string, out string, delay time.Duration) ([]string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, popkitBin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	var log bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<16), 1<<20)
		once := false
		for sc.Scan() {
			line := sc.Text()
			log.WriteString(line + "\n")
			if !once && strings.Contains(line, "msg=\"training reference\"") ||
				!once && strings.Contains(line, "msg=training ") {
				once = true
				close(started)
			}
		}
		if !once {
			close(started)
		}
	}()
	<-started
	time.Sleep(delay)
	var present []string
	_ = filepath.WalkDir(filepath.Join(out, "checkpoints"), func(path string, d fs.DirEntry,
		err error) error {
		if err == nil && d.IsDir() && strings.HasPrefix(d.Name(), "step-") {
			rel, _ := filepath.Rel(out, path)
			present = append(present, rel)
		}
		return nil
	})
	killErr := cmd.Process.Signal(syscall.SIGKILL)
	<-done
	err = cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() &&
			ws.Signal() == syscall.SIGKILL {
			return present, true
		}
	}
	if killErr != nil || err == nil {
		return present, false // it had finished
	}
	t.Fatalf("run ended with %v before the kill; stderr:\n%s", err, log.String())
	return nil, false
}

// TestKilledRunResumes kills "popkit run" with SIGKILL five times at random moments during
// training (delays drawn from a fixed seed, as shares of an uninterrupted run's time), then
// lets the same command finish: runs.csv and summary.csv must be byte-identical to those of
// an uninterrupted run. This needs the checkpoints (a killed run resumes inside the cell it
// was training, with the optimiser's state and the batch order restored) and atomic writes
// (no file is ever seen half written).
func TestKilledRunResumes(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "tiny.jsonl")
	if err := os.WriteFile(data, tinyData(), 0o644); err != nil {
		t.Fatal(err)
	}
	whole := filepath.Join(dir, "whole")
	res := popkit(t, killArgs(data, whole)...)
	if res.code != 0 {
		t.Fatalf("uninterrupted run: %v", res)
	}
	if _, err := os.Stat(filepath.Join(whole, "checkpoints")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a finished run left its checkpoints (stat: %v)", err)
	}

	out := filepath.Join(dir, "killed")
	rng := rand.New(rand.NewPCG(2026, 12))
	inside := 0
	// Each kill comes 5% to 15% of the uninterrupted run's time after training starts (the
	// graphs of a restarted run compile during its first steps, so it progresses less than
	// that): five kills cover on average less than half of the run, at most three quarters,
	// leaving room for a machine that runs faster than during the uninterrupted run.
	for k := range 5 {
		delay := time.Duration((0.05 + 0.1*rng.Float64()) * float64(res.elapsed))
		present, killed := startKill(t, killArgs(data, out), out, delay)
		t.Logf("kill %d %v after training started: killed %v, checkpoints %v", k+1, delay,
			killed, present)
		if !killed {
			t.Fatalf("kill %d: the run finished before the kill; make it longer", k+1)
		}
		if len(present) > 0 {
			inside++
		}
	}
	if inside < 3 {
		t.Errorf("only %d of 5 kills found a checkpoint in progress: too few landed inside "+
			"training", inside)
	}
	res = popkit(t, killArgs(data, out)...)
	if res.code != 0 {
		t.Fatalf("resumed run: %v", res)
	}
	noStackTrace(t, res.stderr)
	for _, name := range []string{"runs.csv", "summary.csv"} {
		want := readFileT(t, filepath.Join(whole, name))
		got := readFileT(t, filepath.Join(out, name))
		if !bytes.Equal(got, want) {
			t.Errorf("%s after five kills differs from the uninterrupted run's:\n%s\nvs\n%s",
				name, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "checkpoints")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the finished run left its checkpoints (stat: %v)", err)
	}
}
