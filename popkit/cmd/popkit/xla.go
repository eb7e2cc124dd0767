package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"runtime"

	"github.com/gomlx/go-xla/installer"
)

const xlaUsage = `Usage: popkit xla install [flags]

Installs an XLA PJRT plugin with go-xla's installer (the version go.mod pins), so that
GOMLX_BACKEND=xla:cpu or xla:cuda finds it without installing on first use:

  --plugin cpu      the CPU plugin (from the pjrt-cpu-binaries releases on GitHub; "latest"
                    means the release this go-xla version was tested with)
  --plugin cuda13   the CUDA 13 plugin and the Nvidia libraries it needs (from JAX's wheels
                    on PyPI); cuda12 for CUDA 12 drivers

Plugins go to PATH/go-xla (PATH default ~/.local/lib, where GoMLX looks first). Needs the
network. docker/gpu.md has the whole GPU setup.

Flags:
`

// xlaCommand runs "popkit xla install".
func xlaCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("popkit xla install", flag.ContinueOnError)
	fs.SetOutput(stderr)
	plugin := fs.String("plugin", "cuda13", "cpu, cuda13 or cuda12")
	version := fs.String("version", "latest", "plugin version: latest, or a release "+
		"(cpu: a pjrt-cpu-binaries tag such as v0.114.0; cuda: a JAX version such as 0.8.0)")
	path := fs.String("path", "", "library directory; plugins go to PATH/go-xla "+
		"(default ~/.local/lib)")
	fs.Usage = func() {
		fmt.Fprint(stderr, xlaUsage)
		fs.PrintDefaults()
	}
	if len(args) == 0 || args[0] != "install" {
		fs.Usage()
		return errUsage
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "popkit xla install: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	lib := *path
	if lib == "" {
		var err error
		if lib, err = installer.DefaultHomeLibPath(); err != nil {
			return err
		}
	}
	dst := filepath.Join(lib, "go-xla")
	var err error
	switch *plugin {
	case "cpu":
		if *version == "latest" {
			// The version this go-xla release was tested with, as GoMLX installs on first use.
			err = installer.CPUAutoInstall(dst, true, installer.Normal)
		} else {
			platform := runtime.GOOS + "_" + runtime.GOARCH
			err = installer.CPUInstall(platform, *version, dst, true, installer.Normal)
		}
	case "cuda13", "cuda12":
		if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
			return fmt.Errorf("flag --plugin: the CUDA plugin is built for linux/amd64 only, "+
				"not %s/%s", runtime.GOOS, runtime.GOARCH)
		}
		err = installer.CudaInstall(*plugin, *version, dst, true, installer.Normal)
	default:
		return fmt.Errorf("flag --plugin: unknown plugin %q (valid: cpu, cuda13, cuda12)", *plugin)
	}
	if err != nil {
		return fmt.Errorf("installing the %s plugin %s into %s: %w", *plugin, *version, dst, err)
	}
	fmt.Fprintf(stdout, "Installed the %s PJRT plugin (%s) into %s\n", *plugin, *version, dst)
	return nil
}
