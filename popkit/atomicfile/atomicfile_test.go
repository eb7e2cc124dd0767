package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkDir fails t unless dir holds exactly the file name with content want and mode 0644.
func checkDir(t *testing.T, dir, name, want string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != name {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("directory holds %q, want [%s] alone", names, name)
	}
	path := filepath.Join(dir, name)
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("content %q, want %q", got, want)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != Mode {
		t.Errorf("mode %v, want %v", info.Mode().Perm(), Mode)
	}
}

func TestWriteCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.csv")
	for _, content := range []string{"old", "new content"} {
		if err := Write(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		checkDir(t, dir, "x.csv", content)
	}
}

// TestWriteModeIgnoresExisting checks that the mode is 0644 even when the replaced file had
// another one: the new file is a new inode.
func TestWriteModeIgnoresExisting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir, "x", "new")
}

// TestWriteErrorKeepsOld makes the rename fail (the destination is a non-empty directory)
// and checks that the error names the destination, that it is unchanged and that no
// temporary file is left.
func TestWriteErrorKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	if err := os.MkdirAll(filepath.Join(path, "inner"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := Write(path, []byte("new"))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want an error naming %s", err, path)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || !entries[0].IsDir() {
		t.Errorf("directory holds %v, want the old directory alone", entries)
	}
}

// TestWriteMissingDir checks the error when the directory does not exist.
func TestWriteMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "x")
	if err := Write(path, nil); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want an error naming %s", err, path)
	}
}

func TestStreamCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pairs.jsonl")
	if err := Write(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	for _, s := range []string{"a\n", "b\n"} {
		if _, err := f.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	// Before Commit the old content is still in place (next to the temporary file).
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("before Commit: content %q, want \"old\"", got)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir, "pairs.jsonl", "a\nb\n")
	if err := f.Commit(); err == nil {
		t.Error("second Commit: no error")
	}
	if _, err := f.Write([]byte("c")); err == nil {
		t.Error("Write after Commit: no error")
	}
}

func TestStreamAbortKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pairs.jsonl")
	if err := Write(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	f.Abort()
	f.Abort() // a second Abort does nothing
	checkDir(t, dir, "pairs.jsonl", "old")
	if err := f.Commit(); err == nil {
		t.Error("Commit after Abort: no error")
	}
}
