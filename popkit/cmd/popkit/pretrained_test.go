package main

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/poprlhf/sandbox/popkit/pretrained/pretrainedtest"
)

// TestRunFromPretrained fine-tunes the reference from a tiny hub checkpoint and trains DPO
// from it, through the binary, and checks the outputs and that every metric is finite.
func TestRunFromPretrained(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "ckpt")
	if err := os.Mkdir(ckpt, 0o755); err != nil {
		t.Fatal(err)
	}
	pretrainedtest.WriteCheckpoint(t, ckpt, pretrainedtest.TinyConfig(true), false)
	data := filepath.Join(dir, "tiny.jsonl")
	if err := os.WriteFile(data, tinyData(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	res := popkit(t, "run", "--data", data, "--policy", ckpt, "--steps", "2", "--sft-steps", "2",
		"--seeds", "1", "--methods", "dpo", "--quick", "--batch", "2", "--out", out)
	if res.code != 0 {
		t.Fatalf("popkit run --policy: %v", res)
	}
	noStackTrace(t, res.stderr)
	for _, f := range []string{"runs.csv", "summary.csv", "summary.md", "config.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing output: %v", err)
		}
	}
	_, rows := readCSV(t, filepath.Join(out, "runs.csv"))
	metrics := map[string]bool{}
	for _, r := range rows {
		v, err := strconv.ParseFloat(r[3], 64)
		// The accuracy over tied pairs is NaN when the held-out pairs have no tie.
		undefined := math.IsNaN(v) && strings.HasSuffix(r[1], "_ties")
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) && !undefined {
			t.Errorf("row %v: value is not a finite number", r)
		}
		metrics[r[1]] = true
	}
	if !metrics["accuracy"] {
		t.Errorf("runs.csv has no accuracy row: %v", rows)
	}
	cfg, err := os.ReadFile(filepath.Join(out, "config.json"))
	if err != nil || !strings.Contains(string(cfg), `"policy_dir"`) {
		t.Errorf("config.json does not record the checkpoint directory (%v):\n%s", err, cfg)
	}

	bad := popkit(t, "run", "--data", data, "--policy", filepath.Join(dir, "none"),
		"--seeds", "1", "--methods", "dpo", "--out", filepath.Join(dir, "bad"))
	if bad.code == 0 || !strings.Contains(bad.stderr, "config.json") {
		t.Errorf("a missing checkpoint: want an error naming config.json, got %v", bad)
	}
	noStackTrace(t, bad.stderr)
}
