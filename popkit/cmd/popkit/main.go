// Command popkit runs the experiments of the preference-over-preference sandbox headless.
//
// Usage:
//
//	popkit run [flags]     train and compare margin-DPO methods over seeds
//	popkit pop fit ...     fit Bradley-Terry scores to PoP labels from a CSV file
//	popkit data fetch ...  download UltraFeedback from the Hugging Face hub
//	popkit xla install ... install an XLA PJRT plugin (CPU or CUDA)
//	popkit bench [flags]   measure the training steps (a development tool)
//	popkit kernel install  register the project's Jupyter kernel for the notebooks
//	popkit help            print this help
//
// Run "popkit run -h" for the flags of run.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/poprlhf/sandbox/popkit/backend"
)

func main() {
	// Restart once with GODEBUG=cpu.fma=off when this SIMD build would otherwise run math.Exp
	// about 100 times slower (see backend.SlowExp); it returns only if no restart is needed.
	if err := backend.WithFastExp(); err != nil {
		fmt.Fprintln(os.Stderr, "popkit: warning:", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "popkit:", err)
		}
		os.Exit(exitCode(err))
	}
}

// errUsage marks a usage error whose message was already printed.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

const usage = `popkit runs the experiments of "Adaptive Margin RLHF via Preference over
Preferences" (arXiv 2509.22851) headless.

Usage:
  popkit run [flags]      train and compare margin-DPO methods over seeds
  popkit pop fit ...      fit Bradley-Terry scores to PoP labels from a CSV file
  popkit data fetch ...   download UltraFeedback from the Hugging Face hub
  popkit xla install ...  install an XLA PJRT plugin (CPU or CUDA; docker/gpu.md)
  popkit bench [flags]    measure the training steps (a development tool)
  popkit kernel install   register the Jupyter kernel of the notebooks (GoNB, settings,
                          this checkout linked)
  popkit help             print this help

Run "popkit run -h" for the flags of run.
`

// dispatch runs the sub-command named by args[0].
func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "run":
		return runCommand(ctx, args[1:], stdout, stderr)
	case "pop":
		return popCommand(args[1:], stdout, stderr)
	case "data":
		return dataCommand(ctx, args[1:], stdout, stderr)
	case "xla":
		return xlaCommand(args[1:], stdout, stderr)
	case "bench":
		return benchCommand(ctx, args[1:], stdout, stderr)
	case "kernel":
		return kernelCommand(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "popkit: unknown command %q\n\n%s", args[0], usage)
		return errUsage
	}
}
