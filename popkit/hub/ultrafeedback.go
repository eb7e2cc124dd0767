package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/poprlhf/sandbox/popkit/atomicfile"
	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// Form is a form of UltraFeedback on the hub.
type Form int

const (
	// Binarized is HuggingFaceH4/ultrafeedback_binarized: one (chosen, rejected) pair per
	// prompt with mean fine-grained ratings as scores, as Parquet shards; its train_prefs and
	// test_prefs splits are fetched.
	Binarized Form = iota
	// Raw is openbmb/UltraFeedback: four completions per prompt with fine-grained ratings, as
	// JSON Lines; the fetch turns them into pairs (see [prefdata.RawOptions]).
	Raw
)

var formNames = [...]string{"binarized", "raw"}

// String returns "binarized" or "raw".
func (f Form) String() string {
	if f < 0 || int(f) >= len(formNames) {
		return fmt.Sprintf("Form(%d)", int(f))
	}
	return formNames[f]
}

// ParseForm returns the form with the given name.
func ParseForm(name string) (Form, error) {
	for i, n := range formNames {
		if n == name {
			return Form(i), nil
		}
	}
	return 0, fmt.Errorf("hub: unknown UltraFeedback form %q (valid: %s)", name,
		strings.Join(formNames[:], ", "))
}

// Repositories of the two forms.
const (
	BinarizedRepo = "HuggingFaceH4/ultrafeedback_binarized"
	RawRepo       = "openbmb/UltraFeedback"
)

// Files written by [FetchUltraFeedback] besides the downloads.
const (
	// ManifestName records what was fetched: repository, revision, files and checksums.
	ManifestName = "fetch.json"
	// RawDir is the folder under the output directory that holds the raw form's downloads.
	RawDir = "raw"
	// RawPairsFile is the raw form's pairs, written in the flat JSONL form (train split).
	RawPairsFile = "train.jsonl"
)

// binarizedFile matches the preference splits' shards of the binarized set.
var binarizedFile = regexp.MustCompile(`^data/(train|test)_prefs-[^/]*\.parquet$`)

// UltraFeedbackOptions configures [FetchUltraFeedback]. The zero value fetches the binarized
// form from the main revision.
type UltraFeedbackOptions struct {
	Form Form
	// Revision of the repository. Default "main".
	Revision string
	// Raw says how the raw form becomes pairs.
	Raw prefdata.RawOptions
}

// Manifest describes a fetched directory; it is written to [ManifestName].
type Manifest struct {
	Repo     string         `json:"repo"`
	Revision string         `json:"revision"`
	Form     string         `json:"form"`
	Files    []ManifestFile `json:"files"`
	// Raw form only: how pairs were made, and what the conversion counted.
	RawScore   string             `json:"raw_score,omitempty"`
	RawPairing string             `json:"raw_pairing,omitempty"`
	RawSeed    uint64             `json:"raw_seed,omitempty"`
	RawStats   *prefdata.RawStats `json:"raw_stats,omitempty"`
}

// ManifestFile is one downloaded file.
type ManifestFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
	BlobID string `json:"git_blob,omitempty"`
}

// FetchUltraFeedback downloads the chosen form of UltraFeedback into dir so that
// prefdata.ReadFile(dir) reads its training split and prefdata's ReadSplit(dir, "test") its
// test split (binarized only):
//
//	binarized: dir/data/train_prefs-*.parquet, dir/data/test_prefs-*.parquet
//	raw:       dir/raw/*.jsonl (the downloads), dir/train.jsonl (the pairs)
//
// and writes dir/fetch.json. Files already present with the right checksum are not fetched
// again; interrupted downloads resume (see [Client.Download]).
func FetchUltraFeedback(ctx context.Context, c *Client, dir string, o UltraFeedbackOptions) (
	*Manifest, error) {
	repo := Repo{Kind: Dataset, ID: BinarizedRepo, Revision: o.Revision}
	if o.Form == Raw {
		repo.ID = RawRepo
	}
	all, err := c.ListFiles(ctx, repo)
	if err != nil {
		return nil, err
	}
	var want []File
	for _, f := range all {
		switch {
		case o.Form == Binarized && binarizedFile.MatchString(f.Path):
			want = append(want, f)
		case o.Form == Raw && strings.EqualFold(path.Ext(f.Path), ".jsonl"):
			want = append(want, f)
		}
	}
	if len(want) == 0 {
		names := make([]string, len(all))
		for i, f := range all {
			names[i] = f.Path
		}
		expect := "data/train_prefs-*.parquet"
		if o.Form == Raw {
			expect = "*.jsonl"
		}
		return nil, fmt.Errorf("hub: %s has no %s files (the %s form); it lists: %s", repo,
			expect, o.Form, strings.Join(names, ", "))
	}
	slices.SortFunc(want, func(a, b File) int { return strings.Compare(a.Path, b.Path) })

	m := &Manifest{Repo: repo.ID, Revision: repo.revision(), Form: o.Form.String()}
	var local []string
	for _, f := range want {
		rel := filepath.FromSlash(f.Path)
		if !filepath.IsLocal(rel) {
			return nil, fmt.Errorf("hub: %s lists a file outside the repository: %q", repo, f.Path)
		}
		if o.Form == Raw {
			rel = filepath.Join(RawDir, rel)
		}
		dst := filepath.Join(dir, rel)
		if err := c.Download(ctx, repo, f, dst); err != nil {
			return nil, err
		}
		local = append(local, dst)
		m.Files = append(m.Files, ManifestFile{Path: f.Path, Size: f.Size, SHA256: f.SHA256,
			BlobID: f.BlobID})
	}

	if o.Form == Raw {
		st, err := convertRaw(local, filepath.Join(dir, RawPairsFile), o.Raw)
		if err != nil {
			return nil, err
		}
		m.RawScore, m.RawPairing, m.RawSeed = o.Raw.Score.String(), o.Raw.Pairing.String(),
			o.Raw.Seed
		m.RawStats = &st
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("hub: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, ManifestName), append(b, '\n')); err != nil {
		return nil, fmt.Errorf("hub: %w", err)
	}
	return m, nil
}

// convertRaw turns the raw files into pairs and writes them to out atomically.
func convertRaw(files []string, out string, o prefdata.RawOptions) (prefdata.RawStats, error) {
	var (
		pairs []prefdata.Pair
		total prefdata.RawStats
	)
	for _, f := range files {
		ps, st, err := o.ReadRaw(f)
		if err != nil {
			return total, err
		}
		pairs = append(pairs, ps...)
		total.Prompts += st.Prompts
		total.Completions += st.Completions
		total.Unscored += st.Unscored
		total.Pairs += st.Pairs
		total.Ties += st.Ties
	}
	f, err := atomicfile.Create(out)
	if err != nil {
		return total, fmt.Errorf("hub: %w", err)
	}
	defer f.Abort() // a no-op after Commit
	if err := prefdata.WriteJSONL(f, pairs); err != nil {
		return total, err
	}
	if err := f.Commit(); err != nil {
		return total, fmt.Errorf("hub: %w", err)
	}
	return total, nil
}
