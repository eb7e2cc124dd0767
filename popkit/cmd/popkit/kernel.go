package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/experiment"
)

// modulePath is this repository's Go module.
const modulePath = "github.com/poprlhf/sandbox"

// gonbPackage is the GoNB kernel's main package; go.mod pins its version (a tool dependency).
const gonbPackage = "github.com/janpfeifer/gonb"

// kernelEnv is the environment every notebook of the project needs, written into kernel.json:
// cells compiled with the SIMD experiment, the Go backend with parallel ops on an unbounded
// worker pool, and math.Exp on its fast path (see the backend package).
var kernelEnv = map[string]string{
	"GOEXPERIMENT":  "simd",
	"GOMLX_BACKEND": backend.SafeDefault,
	"GODEBUG":       backend.FixGODEBUG,
}

const kernelUsage = `Usage: popkit kernel install [flags]

Registers a Jupyter kernel for this checkout: GoNB (the version go.mod pins), built into the
kernel's folder, with the backend settings of the project in its environment and the local
module linked through a go.work file (GoNB's -go_work), so that a notebook needs no setup of
its own. Run it from inside the checkout, again after moving the checkout.

Flags:
`

// kernelSpec is a Jupyter kernel specification (kernel.json), as Jupyter documents it.
type kernelSpec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env"`
}

// buildFunc builds the GoNB binary at out, from the module rooted at root.
type buildFunc func(root, out string, stderr io.Writer) error

// kernelCommand runs "popkit kernel ...".
func kernelCommand(args []string, stdout, stderr io.Writer) error {
	return kernelCommandWith(args, stdout, stderr, buildGoNB)
}

func kernelCommandWith(args []string, stdout, stderr io.Writer, build buildFunc) error {
	if len(args) == 0 || args[0] != "install" {
		fmt.Fprint(stderr, kernelUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("kernel install", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, kernelUsage); fs.PrintDefaults() }
	name := fs.String("name", "popkit", "kernel name (the notebooks' kernelspec name is popkit)")
	root := fs.String("root", "", "the checkout to link (default: the one holding the "+
		"working directory)")
	dataDir := fs.String("jupyter-data", "", "Jupyter's data folder (default: "+
		"$JUPYTER_DATA_DIR, else the user's, e.g. ~/.local/share/jupyter)")
	backendConfig := fs.String("backend", kernelEnv["GOMLX_BACKEND"], "GOMLX_BACKEND of the "+
		"kernel's cells (e.g. xla:cuda on a GPU machine, after popkit xla install)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "popkit kernel install: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	if *name == "" || strings.ContainsAny(*name, `/\ `) {
		return fmt.Errorf("kernel install: --name %q: want a plain name such as popkit", *name)
	}

	checkout, err := findCheckout(*root)
	if err != nil {
		return err
	}
	data, err := jupyterDataDir(*dataDir)
	if err != nil {
		return err
	}
	dir := filepath.Join(data, "kernels", *name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("kernel install: %w", err)
	}
	binary := filepath.Join(dir, "gonb")
	if err := build(checkout, binary, stderr); err != nil {
		return fmt.Errorf("kernel install: building GoNB: %w", err)
	}

	env := map[string]string{"POPKIT_ROOT": checkout}
	for k, v := range kernelEnv {
		env[k] = v
	}
	env["GOMLX_BACKEND"] = *backendConfig
	spec := kernelSpec{
		Argv:          []string{binary, "--kernel", "{connection_file}", "--go_work=" + checkout},
		DisplayName:   "Go (" + *name + ")",
		Language:      "go",
		InterruptMode: "message",
		Env:           env,
	}
	js, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	if err := experiment.WriteFileAtomic(filepath.Join(dir, "kernel.json"),
		append(js, '\n')); err != nil {
		return fmt.Errorf("kernel install: %w", err)
	}
	fmt.Fprintf(stdout, "installed Jupyter kernel %q in %s\n  module %s => %s\n", *name, dir,
		modulePath, checkout)
	if _, err := exec.LookPath("goimports"); err != nil {
		fmt.Fprintln(stderr, "popkit kernel install: warning: goimports is not on PATH; GoNB "+
			"needs it to run cells: go install golang.org/x/tools/cmd/goimports@v0.44.0")
	}
	return nil
}

// findCheckout returns the absolute root of this module's checkout: dir (or the working
// directory when dir is empty) or the first folder above it whose go.mod declares modulePath.
func findCheckout(dir string) (string, error) {
	start := dir
	if start == "" {
		var err error
		if start, err = os.Getwd(); err != nil {
			return "", err
		}
	}
	start, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	for d := start; ; d = filepath.Dir(d) {
		if moduleOf(filepath.Join(d, "go.mod")) == modulePath {
			return d, nil
		}
		if dir != "" || filepath.Dir(d) == d {
			break // --root must be the root itself
		}
	}
	return "", fmt.Errorf("kernel install: no checkout of %s at or above %s (run it inside "+
		"the repository or pass --root)", modulePath, start)
}

// moduleOf returns the module path declared by the go.mod file at path, or "".
func moduleOf(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// jupyterDataDir returns flagValue, else $JUPYTER_DATA_DIR, else the user's Jupyter data folder
// as Jupyter chooses it on this system.
func jupyterDataDir(flagValue string) (string, error) {
	if flagValue != "" {
		return filepath.Abs(flagValue)
	}
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return filepath.Abs(d)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("kernel install: no home folder (%w): pass --jupyter-data", err)
	}
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Jupyter"), nil
	case "windows":
		if d := os.Getenv("APPDATA"); d != "" {
			return filepath.Join(d, "jupyter"), nil
		}
		return "", errors.New("kernel install: %APPDATA% is not set: pass --jupyter-data")
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "jupyter"), nil
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

// buildGoNB builds GoNB at the version the checkout's go.mod pins, through a temporary file
// renamed over out, so that a running kernel's binary is never half written.
func buildGoNB(root, out string, stderr io.Writer) error {
	tmp := out + ".new"
	cmd := exec.Command("go", "build", "-o", tmp, gonbPackage)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("go build %s in %s: %w", gonbPackage, root, err)
	}
	return os.Rename(tmp, out)
}
