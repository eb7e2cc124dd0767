package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"

	"github.com/poprlhf/sandbox/popkit/experiment"
	"github.com/poprlhf/sandbox/popkit/pop"
	"github.com/poprlhf/sandbox/popkit/prefdata"
)

const popUsage = `Usage:
  popkit pop fit [flags]    fit Bradley-Terry scores to PoP labels read from a CSV file

Run "popkit pop fit -h" for the flags of fit.
`

// popCommand runs the sub-command of "popkit pop" named by args[0].
func popCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, popUsage)
		return errUsage
	}
	switch args[0] {
	case "fit":
		return popFitCommand(args[1:], stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, popUsage)
		return nil
	default:
		fmt.Fprintf(stderr, "popkit pop: unknown command %q\n\n%s", args[0], popUsage)
		return errUsage
	}
}

// popFitUsage heads the help of "popkit pop fit"; the flags follow it.
const popFitUsage = `Usage:
  popkit pop fit --labels FILE [--ids-from DATA.jsonl] [--ridge R] --out FILE

Fits Bradley-Terry scores u, P(i stronger than j) = sigmoid(u_i - u_j), to the PoP labels
in --labels (CSV with the header "stronger,weaker", or "stronger,weaker,tie", and one pair
of preference ids per line), and writes one score per preference to --out as CSV with the
header "id,score". The scores are centred log-odds, before any calibration to margin units.

The preferences are the pairs of --ids-from, in file order, identified by their ids (the
"id", "prompt_id" or "source_index" field, else the 0-based line number); pairs that no
label mentions get score 0 with a ridge. Without --ids-from, the preferences are the ids
that appear in the label file, in order of first appearance.

A summary of the comparison graph and the fit goes to stderr.

Flags:
`

// popFitCommand parses the flags of "popkit pop fit", fits the scores and writes them.
func popFitCommand(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("popkit pop fit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		labels  = fs.String("labels", "", "CSV file of PoP labels (required)")
		idsFrom = fs.String("ids-from", "", "JSONL preference data whose pair ids, in order, "+
			"are the preferences (default: the ids in --labels, in order of first appearance)")
		ridge = fs.Float64("ridge", pop.DefaultRidge, "strength lambda of the Gaussian prior "+
			"u_i ~ N(0, 1/lambda); 0 fits the plain maximum likelihood")
		out = fs.String("out", "", "output CSV file of scores (required); written atomically")
	)
	fs.Usage = func() {
		fmt.Fprint(stderr, popFitUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "popkit pop fit: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	case *labels == "":
		fmt.Fprintln(stderr, "popkit pop fit: the flag --labels is required")
		return errUsage
	case *out == "":
		fmt.Fprintln(stderr, "popkit pop fit: the flag --out is required")
		return errUsage
	case filepath.Clean(*out) == filepath.Clean(*labels):
		return fmt.Errorf("flag --out %q: it would overwrite the labels; choose another file",
			*out)
	}
	if !(*ridge >= 0) || math.IsInf(*ridge, 0) {
		return fmt.Errorf("flag --ridge = %g: expected a finite number >= 0 (0: no ridge)",
			*ridge)
	}
	cfg := pop.FitConfig{Ridge: *ridge}
	if *ridge == 0 {
		cfg = pop.FitConfig{NoRidge: true}
	}

	ids, comps, source, err := readPopFitInputs(*labels, *idsFrom)
	if err != nil {
		return err
	}

	u, report, err := pop.FitBradleyTerry(len(ids), comps, cfg)
	printPopFitReport(stderr, *labels, source, ids, comps, report)
	if errors.Is(err, pop.ErrNeedsRidge) {
		return &popFitError{cause: err, msg: fmt.Sprintf("without a ridge (--ridge 0) the "+
			"Bradley-Terry scores are not finite: the win graph splits into %d strongly "+
			"connected groups (%d connected components, %d untouched preferences), so some "+
			"preferences only win or only lose against the rest; fit with a ridge, "+
			"--ridge R with R > 0 (default %g), or add labels that connect them",
			report.StrongComponents, report.Components, report.Untouched, pop.DefaultRidge)}
	}
	if err != nil {
		return err
	}

	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"id", "score"})
	for i, id := range ids {
		w.Write([]string{id, strconv.FormatFloat(u[i], 'g', -1, 64)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := experiment.WriteFileAtomic(*out, buf.Bytes()); err != nil {
		return fmt.Errorf("writing the scores: %w", err)
	}
	fmt.Fprintf(stderr, "wrote %d scores to %s\n", len(ids), *out)
	return nil
}

// readPopFitInputs reads the labels, with the ids of the pairs in the data file idsFrom, or,
// when idsFrom is empty, with the ids collected from the labels. source says where the ids
// came from, for the report.
func readPopFitInputs(labels, idsFrom string) (ids []string, comps []pop.Comparison,
	source string, err error) {
	if idsFrom == "" {
		comps, ids, err = pop.ReadLabelsCollectIDs(labels)
		return ids, comps, "ids from the labels", err
	}
	pairs, err := prefdata.ReadJSONL(idsFrom)
	if err != nil {
		return nil, nil, "", err
	}
	ids = make([]string, len(pairs))
	for i, p := range pairs {
		ids[i] = p.ID
	}
	comps, err = pop.ReadLabels(labels, ids)
	return ids, comps, "ids from " + idsFrom, err
}

// printPopFitReport writes a summary of the labels and of the fit to w.
func printPopFitReport(w io.Writer, labels, source string, ids []string,
	comps []pop.Comparison, r pop.FitReport) {
	ties := 0
	for _, c := range comps {
		if c.Tie {
			ties++
		}
	}
	row := func(name string, value any) { fmt.Fprintf(w, "  %-26s %v\n", name, value) }
	fmt.Fprintf(w, "popkit pop fit: %s\n", labels)
	row("preferences", fmt.Sprintf("%d (%s)", len(ids), source))
	row("labels", len(comps))
	row("ties", ties)
	row("connected components", r.Components)
	row("largest component", r.LargestComponent)
	row("strongly connected groups", r.StrongComponents)
	row("untouched preferences", r.Untouched)
	if r.Ridge == 0 {
		row("ridge", "0 (none)")
	} else {
		row("ridge", r.Ridge)
	}
	row("iterations", r.Iterations)
}

// popFitError is an error worded for the command line that still unwraps to its cause, so
// that errors.Is(err, pop.ErrNeedsRidge) holds.
type popFitError struct {
	msg   string
	cause error
}

func (e *popFitError) Error() string { return e.msg }

func (e *popFitError) Unwrap() error { return e.cause }
