// Package realdata finds the real UltraFeedback sample that tests use when it is present.
//
// The sample (1,000 pairs) is not part of the repository: on the project's machines it lives at
// ../shared/data/ultrafeedback/train_1000.jsonl from the repository root. Set
// POPKIT_ULTRAFEEDBACK_SAMPLE to its path to run the real-data tests from anywhere else.
package realdata

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// EnvVar overrides where the sample is looked for.
const EnvVar = "POPKIT_ULTRAFEEDBACK_SAMPLE"

// fromRoot is the sample's place relative to the repository root.
const fromRoot = "../shared/data/ultrafeedback/train_1000.jsonl"

// Path returns the sample's path and whether the file exists: $POPKIT_ULTRAFEEDBACK_SAMPLE
// when set, else fromRoot joined to the repository root, the first directory at or above the
// working directory that holds a go.mod.
func Path() (string, bool) {
	path := os.Getenv(EnvVar)
	if path == "" {
		root, err := repoRoot()
		if err != nil {
			return fromRoot, false
		}
		path = filepath.Join(root, filepath.FromSlash(fromRoot))
	}
	_, err := os.Stat(path)
	return path, err == nil
}

// Require returns the sample's path, or skips the test with a message saying where the sample
// was looked for.
func Require(t testing.TB) string {
	t.Helper()
	path, ok := Path()
	if !ok {
		t.Skipf("skipping: the UltraFeedback sample is not at %s (set %s to its path)", path,
			EnvVar)
	}
	return path
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("realdata: no go.mod above the working directory")
		}
		dir = parent
	}
}
