// Package docker_test checks that the Docker files build what the rest of the repository
// pins: the Go release of go.mod, GoNB through go.mod's tool line, goimports at .ci/run's
// version, the backend settings of README.md, and the commands docker/README.md gives.
package docker_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// match returns the first submatch of re in s, failing the test when there is none.
func match(t *testing.T, what, s, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("%s: no match for %s", what, re)
	}
	return m[1]
}

func TestDockerfilesPinTheRepositoryVersions(t *testing.T) {
	gomod := read(t, "../go.mod")
	ci := read(t, "../.ci/run")
	readme := read(t, "README.md")
	goVersion := match(t, "go.mod", gomod, `(?m)^go (\S+)$`)
	goimports := match(t, ".ci/run", ci, `(?m)^readonly GOIMPORTS_VERSION=(\S+)$`)
	if !regexp.MustCompile(`(?m)^tool github.com/janpfeifer/gonb$`).MatchString(gomod) {
		t.Fatal("go.mod has no tool line for GoNB, which popkit kernel install builds")
	}

	for _, tc := range []struct {
		file, tag, backend string
	}{
		{"Dockerfile", "popkit", "go:parallelism=-1"},
		{"Dockerfile.cuda", "popkit-cuda", "xla:cuda,preallocate=false"},
	} {
		df := read(t, tc.file)
		if got := match(t, tc.file, df, `(?m)^FROM golang:(\S+)-bookworm$`); got != goVersion {
			t.Errorf("%s: Go %s, go.mod says %s", tc.file, got, goVersion)
		}
		if got := match(t, tc.file, df, `(?m)^ARG GOIMPORTS_VERSION=(\S+)$`); got != goimports {
			t.Errorf("%s: goimports %s, .ci/run says %s", tc.file, got, goimports)
		}
		for _, want := range []string{
			"GOEXPERIMENT=simd", "GOMLX_BACKEND=" + tc.backend, "GODEBUG=cpu.fma=off",
			"popkit kernel install",
		} {
			if !strings.Contains(df, want) {
				t.Errorf("%s lacks %q", tc.file, want)
			}
		}
		// The README's commands are the ones the file's header gives.
		build := "docker build -f docker/" + tc.file + " -t " + tc.tag + " ."
		if !strings.Contains(df, build) || !strings.Contains(readme, build) {
			t.Errorf("%q is not in both %s and README.md", build, tc.file)
		}
		run := match(t, tc.file, df, `(?m)^#\s+(docker run .*)$`)
		if !strings.Contains(readme, run) {
			t.Errorf("README.md lacks %s's run command %q", tc.file, run)
		}
	}
}
