package setup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		simd, slowExp bool
		want          string // "" means no error
	}{
		{true, false, ""},
		{false, false, "GOEXPERIMENT=simd"},
		{true, true, "cpu.fma=off"},
	} {
		err := check(tc.simd, tc.slowExp)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("check(%v, %v) = %v, want nil", tc.simd, tc.slowExp, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) ||
			!strings.Contains(err.Error(), "kernel install")):
			t.Errorf("check(%v, %v) = %v, want an error naming %q and the fix", tc.simd,
				tc.slowExp, err, tc.want)
		}
	}
}

func TestRequireModule(t *testing.T) {
	if err := requireModule(""); err != nil {
		t.Errorf("outside GoNB: %v", err)
	}
	dir := t.TempDir()
	gomod := filepath.Join(dir, "go.mod")
	if err := os.WriteFile(gomod, []byte("module gonb_x\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second call finds the requirement and leaves the file alone
		if err := requireModule(dir); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	want := "require " + modulePath + " " + pseudoVersion
	if got := string(data); strings.Count(got, modulePath) != 1 || !strings.Contains(got, want) {
		t.Errorf("go.mod:\n%s\nwant one line %q", got, want)
	}
	if err := requireModule(t.TempDir()); err == nil {
		t.Error("no go.mod: want an error")
	}
}
