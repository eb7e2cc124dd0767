package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeBuild stands in for building GoNB: it writes a small file where the binary goes and
// records the checkout it was asked to build from.
func fakeBuild(root *string) buildFunc {
	return func(r, out string, _ io.Writer) error {
		*root = r
		return os.WriteFile(out, []byte("#!/bin/sh\n"), 0o755)
	}
}

func TestKernelInstallWritesSpec(t *testing.T) {
	checkout, err := filepath.Abs("../../..") // popkit/cmd/popkit -> repository root
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	var built string
	var stdout, stderr bytes.Buffer
	args := []string{"install", "--root", checkout, "--jupyter-data", data}
	if err := kernelCommandWith(args, &stdout, &stderr, fakeBuild(&built)); err != nil {
		t.Fatalf("install: %v\n%s", err, stderr.String())
	}
	if built != checkout {
		t.Errorf("GoNB built from %q, want the checkout %q", built, checkout)
	}

	dir := filepath.Join(data, "kernels", "popkit")
	raw, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec kernelSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatalf("kernel.json: %v\n%s", err, raw)
	}
	wantArgv := []string{filepath.Join(dir, "gonb"), "--kernel", "{connection_file}",
		"--go_work=" + checkout}
	if strings.Join(spec.Argv, " ") != strings.Join(wantArgv, " ") {
		t.Errorf("argv %q, want %q", spec.Argv, wantArgv)
	}
	// The settings every notebook needs, as .ci/run and README.md give them.
	wantEnv := map[string]string{"GOEXPERIMENT": "simd", "GOMLX_BACKEND": "go:parallelism=-1",
		"GODEBUG": "cpu.fma=off", "POPKIT_ROOT": checkout}
	for k, v := range wantEnv {
		if spec.Env[k] != v {
			t.Errorf("env %s = %q, want %q", k, spec.Env[k], v)
		}
	}
	if spec.Language != "go" || spec.DisplayName != "Go (popkit)" {
		t.Errorf("language %q, display name %q", spec.Language, spec.DisplayName)
	}
	if !strings.Contains(stdout.String(), checkout) {
		t.Errorf("output does not name the linked checkout:\n%s", stdout.String())
	}

	// A second install (after moving the checkout, say) replaces the spec in place; --backend
	// sets the cells' backend (a GPU image's).
	args = append(args, "--name", "popkit", "--backend", "xla:cuda,preallocate=false")
	if err := kernelCommandWith(args, io.Discard, io.Discard, fakeBuild(&built)); err != nil {
		t.Fatalf("second install: %v", err)
	}
	raw, err = os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	spec = kernelSpec{}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	if got := spec.Env["GOMLX_BACKEND"]; got != "xla:cuda,preallocate=false" {
		t.Errorf("--backend: kernel's GOMLX_BACKEND = %q", got)
	}
}

func TestKernelInstallErrors(t *testing.T) {
	notCheckout := t.TempDir()
	if err := os.WriteFile(filepath.Join(notCheckout, "go.mod"),
		[]byte("module example.com/other\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var built string
	for _, tc := range []struct {
		name string
		args []string
		want string // "" means a usage error
	}{
		{"no sub-command", nil, ""},
		{"unknown sub-command", []string{"remove"}, ""},
		{"extra argument", []string{"install", "now"}, ""},
		{"another module", []string{"install", "--root", notCheckout, "--jupyter-data",
			t.TempDir()}, "no checkout of github.com/poprlhf/sandbox"},
		{"bad name", []string{"install", "--name", "a/b"}, "want a plain name"},
	} {
		err := kernelCommandWith(tc.args, io.Discard, io.Discard, fakeBuild(&built))
		switch {
		case tc.want == "" && !errors.Is(err, errUsage):
			t.Errorf("%s: error %v, want a usage error", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestFindCheckoutWalksUp(t *testing.T) {
	here, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	got, err := findCheckout("")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Clean(filepath.Join(here, "../../..")); got != want {
		t.Errorf("checkout %q, want %q", got, want)
	}
}
