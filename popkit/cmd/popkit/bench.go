package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/gomlx/compute"

	"github.com/poprlhf/sandbox/popkit/backend"
	"github.com/poprlhf/sandbox/popkit/bench"
)

// benchUsage heads the help of "popkit bench"; the flags follow it.
const benchUsage = `Usage:
  popkit bench [--peer pytorch] [--backend CONFIG] [--rounds N] [--steps N] [--seq N]
               [--row-groups N]

A development tool: measures the reference (SFT) and preference training steps at the
default sizes (tokens per second), the model's FLOPs per step and its share of the fastest
N x N float32 matmul of the same run (mfu), what caching the reference log-probs saves,
and the Bradley-Terry fit. Rounds alternate the measurements; throughputs are medians of
rounds, while the matmul ceiling is the fastest matmul of the whole run (also timed on the
Go backend's default configuration), so mfu errs low, and more so with more rounds.

--peer pytorch also runs the same preference step in PyTorch (python3-torch; found as
$POPKIT_PYTHON, python3 or /usr/bin/python3), after checking that it computes our loss on the
same weights and batch, alternating with ours in every round; the output then ends with
"ratio_vs_pytorch R" (our preference-step throughput over PyTorch's, median of the rounds)
and "mfu F". PyTorch is never needed by popkit itself.

--backend CONFIG benchmarks that backend (a $GOMLX_BACKEND value such as xla:cuda) and
first checks it: the same initial weights and batch are evaluated on it and on the Go CPU
backend, and the log-probs and loss are compared (PASS or FAIL). Without --backend, the
backend is popkit's usual one ($GOMLX_BACKEND, else go:parallelism=-1), and xla:cpu is
also timed when its plugin is installed.

Flags:
`

// benchCommand runs "popkit bench".
func benchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("popkit bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	var o bench.Options
	peer := fs.String("peer", "", `run the same step in a peer: "pytorch"`)
	config := fs.String("backend", "", "backend configuration to benchmark and check")
	fs.IntVar(&o.Rounds, "rounds", bench.DefaultRounds, "measurement rounds")
	fs.IntVar(&o.Steps, "steps", bench.DefaultSteps, "steps timed per kind and round")
	fs.IntVar(&o.Setup.SeqLen, "seq", 0, "tokens per row (0: the default limit, 256)")
	fs.IntVar(&o.Setup.RowGroups, "row-groups", 0, "groups of rows the decoder runs in, as "+
		"popkit run --row-groups (0: 2)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "popkit bench: unexpected arguments %q\n", fs.Args())
		return errUsage
	}
	if *peer != "" && *peer != "pytorch" {
		fmt.Fprintf(stderr, "popkit bench: --peer %q: the known peer is pytorch\n", *peer)
		return errUsage
	}
	if o.Rounds < 1 || o.Steps < 1 || o.Setup.RowGroups < 0 {
		fmt.Fprintf(stderr, "popkit bench: --rounds and --steps must be >= 1, "+
			"--row-groups >= 0\n")
		return errUsage
	}
	o.Peer = *peer

	var b compute.Backend
	var err error
	if *config == "" {
		b, err = backend.New()
		if err == nil && !strings.HasPrefix(backend.Describe(b), "xla") {
			o.Others = []string{"xla:cpu"}
		}
	} else {
		b, err = backend.NewWithConfig(*config)
	}
	if err != nil {
		return err
	}
	if *config != "" {
		ref, err := backend.NewWithConfig(backend.SafeDefault)
		if err != nil {
			return err
		}
		chk, err := bench.CheckBackend(b, ref, o.Setup)
		if err != nil {
			return err
		}
		verdict := "PASS"
		if !chk.Pass() {
			verdict = "FAIL"
		}
		fmt.Fprintf(stdout, "check %s against %s: loss %.7f vs %.7f, max |dlogp| %.3g "+
			"(|logp| up to %.4g): %s\n", *config, backend.SafeDefault, chk.Loss, chk.RefLoss,
			chk.MaxLogProbDiff, chk.MaxLogProb, verdict)
		if !chk.Pass() {
			return fmt.Errorf("backend %s disagrees with %s", *config, backend.SafeDefault)
		}
	}
	_, err = bench.Run(ctx, b, o, stdout)
	return err
}
