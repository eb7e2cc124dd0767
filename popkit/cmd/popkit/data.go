package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/poprlhf/sandbox/popkit/hub"
	"github.com/poprlhf/sandbox/popkit/prefdata"
)

const dataUsage = `Usage: popkit data fetch ultrafeedback [flags]

Downloads UltraFeedback from the Hugging Face hub into --out, resuming interrupted
downloads and checking every file against the hub's checksum:

  --form binarized   HuggingFaceH4/ultrafeedback_binarized, train_prefs and test_prefs
                     Parquet shards (data/*.parquet)
  --form raw         openbmb/UltraFeedback's JSON Lines (raw/), turned into pairs in
                     train.jsonl (see --raw-score and --raw-pairs)

Then "popkit run --data DIR" trains on the training split, and evaluates on the test split
when the directory has one. HF_ENDPOINT overrides the hub's address; HF_TOKEN is sent as a
bearer token.

Flags:
`

// dataCommand runs "popkit data ...".
func dataCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[0] != "fetch" || args[1] != "ultrafeedback" {
		fmt.Fprint(stderr, dataUsage)
		fetchFlags(stderr).PrintDefaults()
		return errUsage
	}
	fs := fetchFlags(stderr)
	if err := fs.Parse(args[2:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "popkit data fetch: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	get := func(name string) string { return fs.Lookup(name).Value.String() }
	if get("out") == "" {
		fmt.Fprintln(stderr, "popkit data fetch: --out DIR is required")
		return errUsage
	}
	form, err := hub.ParseForm(get("form"))
	if err != nil {
		return fmt.Errorf("flag --form: %w", err)
	}
	score, err := prefdata.ParseRawScore(get("raw-score"))
	if err != nil {
		return fmt.Errorf("flag --raw-score: %w", err)
	}
	pairing, err := prefdata.ParseRawPairing(get("raw-pairs"))
	if err != nil {
		return fmt.Errorf("flag --raw-pairs: %w", err)
	}
	seed := fs.Lookup("seed").Value.(flag.Getter).Get().(uint64)

	c := hub.NewClient()
	var last time.Time
	c.Progress = func(path string, done, total int64) {
		if now := time.Now(); now.Sub(last) > 2*time.Second || done == total {
			last = now
			fmt.Fprintf(stderr, "%s: %d of %d MB\n", path, done>>20, total>>20)
		}
	}
	m, err := hub.FetchUltraFeedback(ctx, c, get("out"), hub.UltraFeedbackOptions{
		Form: form, Revision: get("revision"),
		Raw: prefdata.RawOptions{Score: score, Pairing: pairing, Seed: seed},
	})
	if err != nil {
		return err
	}
	var names []string
	for _, f := range m.Files {
		names = append(names, f.Path)
	}
	fmt.Fprintf(stdout, "Fetched %s@%s (%s): %s\n", m.Repo, m.Revision, m.Form,
		strings.Join(names, ", "))
	if m.RawStats != nil {
		st := m.RawStats
		fmt.Fprintf(stdout, "Pairs: %d (%d ties) from %d prompts, %d completions (%d without "+
			"a %s score), paired %s\n", st.Pairs, st.Ties, st.Prompts, st.Completions,
			st.Unscored, m.RawScore, m.RawPairing)
	}
	fmt.Fprintf(stdout, "Train with: popkit run --data %s\n", get("out"))
	return nil
}

// fetchFlags declares the flags of "popkit data fetch ultrafeedback".
func fetchFlags(stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("popkit data fetch ultrafeedback", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.String("form", hub.Binarized.String(), "binarized or raw")
	fs.String("out", "", "directory to download into (created; an earlier partial fetch "+
		"there is resumed)")
	fs.String("revision", "main", "branch, tag or commit of the hub repository")
	fs.String("raw-score", prefdata.MeanRating.String(), "raw form: score of a completion, "+
		"mean (of the fine-grained ratings, 1-5) or overall (overall_score, 1-10; wrong for "+
		"some completions upstream, see data/README.md)")
	fs.String("raw-pairs", prefdata.AllPairs.String(), "raw form: which completions are "+
		"paired: all (every two), best-random (the best with a random other, as the "+
		"binarized set) or best-worst")
	fs.Uint64("seed", 0, "raw form: seed of best-random's draws")
	fs.Usage = func() {
		fmt.Fprint(stderr, dataUsage)
		fs.PrintDefaults()
	}
	return fs
}
