package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poprlhf/sandbox/popkit/hub"
	"github.com/poprlhf/sandbox/popkit/hub/hubtest"
)

// TestFetchThenRun downloads a stand-in of the binarized set from a local hub (one shard is
// cut mid-transfer and resumed), then trains on the fetched directory: the train split's two
// shards for training, the test split for evaluation.
func TestFetchThenRun(t *testing.T) {
	files, err := hubtest.BinarizedRepo(tinyPairs, 6)
	if err != nil {
		t.Fatal(err)
	}
	files["data/train_prefs-00000-of-00002.parquet"].CutAfter = 200
	srv := hubtest.New(map[string]map[string]*hubtest.File{"datasets/" + hub.BinarizedRepo: files})
	defer srv.Close()
	srv.Token = "hf_test"
	t.Setenv("HF_ENDPOINT", srv.URL)
	t.Setenv("HF_TOKEN", "hf_test")

	dir := filepath.Join(t.TempDir(), "uf")
	res := popkit(t, "data", "fetch", "ultrafeedback", "--form", "binarized", "--out", dir)
	if res.code != 0 {
		t.Fatalf("fetch: %v", res)
	}
	if !strings.Contains(res.stdout, "Train with: popkit run --data "+dir) {
		t.Errorf("fetch stdout:\n%s", res.stdout)
	}
	var resumed bool
	for _, r := range srv.Requests() {
		resumed = resumed || (strings.HasSuffix(r.Path, "train_prefs-00000-of-00002.parquet") &&
			r.Range == "bytes=200-")
	}
	if !resumed {
		t.Errorf("no resumed request for the cut shard: %v", srv.Requests())
	}

	out := filepath.Join(t.TempDir(), "out")
	res = popkit(t, "run", "--data", dir, "--methods", "dpo", "--seeds", "1", "--quick",
		"--steps", "2", "--sft-steps", "2", "--out", out)
	if res.code != 0 {
		t.Fatalf("run on the fetched directory: %v", res)
	}
	noStackTrace(t, res.stderr)
	cfg := string(readFileT(t, filepath.Join(out, "config.json")))
	if !strings.Contains(cfg, `"data": "`+dir+`"`) || !strings.Contains(cfg, "data_sha256") {
		t.Errorf("config.json does not record the data directory and its digest:\n%s", cfg)
	}
	if _, err := os.Stat(filepath.Join(out, "summary.csv")); err != nil {
		t.Error(err)
	}
}

func TestFetchErrors(t *testing.T) {
	files, err := hubtest.BinarizedRepo(4, 2)
	if err != nil {
		t.Fatal(err)
	}
	files["data/test_prefs-00000-of-00001.parquet"].Listed = []byte("not what is served")
	srv := hubtest.New(map[string]map[string]*hubtest.File{"datasets/" + hub.BinarizedRepo: files})
	defer srv.Close()
	t.Setenv("HF_ENDPOINT", srv.URL)

	dir := t.TempDir()
	res := popkit(t, "data", "fetch", "ultrafeedback", "--out", dir)
	if res.code != 1 || !strings.Contains(res.stderr, "checksum mismatch") ||
		!strings.Contains(res.stderr, "test_prefs-00000-of-00001.parquet") {
		t.Errorf("corrupt shard: %v", res)
	}
	noStackTrace(t, res.stderr)

	for _, args := range [][]string{
		{"data"},
		{"data", "fetch", "ultrafeedback"}, // no --out
		{"data", "fetch", "ultrafeedback", "--out", dir, "extra"},
	} {
		if res := popkit(t, args...); res.code != 2 {
			t.Errorf("popkit %s: %v, want exit code 2", strings.Join(args, " "), res)
		}
	}
	res = popkit(t, "data", "fetch", "ultrafeedback", "--out", dir, "--form", "cooked")
	wantErr := `flag --form: hub: unknown UltraFeedback form "cooked"`
	if res.code != 1 || !strings.Contains(res.stderr, wantErr) {
		t.Errorf("bad form: %v", res)
	}
}
