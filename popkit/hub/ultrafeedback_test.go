package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poprlhf/sandbox/popkit/hub"
	"github.com/poprlhf/sandbox/popkit/hub/hubtest"
	"github.com/poprlhf/sandbox/popkit/prefdata"
)

func TestFetchBinarized(t *testing.T) {
	files, err := hubtest.BinarizedRepo(10, 4)
	if err != nil {
		t.Fatal(err)
	}
	files["data/train_prefs-00001-of-00002.parquet"].CutAfter = 100 // resumed within the fetch
	srv := hubtest.New(map[string]map[string]*hubtest.File{
		"datasets/" + hub.BinarizedRepo: files})
	defer srv.Close()
	c := &hub.Client{Endpoint: srv.URL, HTTP: srv.Client()}
	dir := t.TempDir()
	m, err := hub.FetchUltraFeedback(context.Background(), c, dir, hub.UltraFeedbackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
	}
	want := "data/test_prefs-00000-of-00001.parquet data/train_prefs-00000-of-00002.parquet " +
		"data/train_prefs-00001-of-00002.parquet"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("fetched %s\nwant    %s (the sft split and README left alone)", got, want)
	}
	sft := filepath.Join(dir, "data", "train_sft-00000-of-00001.parquet")
	if _, err := os.Stat(sft); err == nil {
		t.Error("the train_sft shard was downloaded")
	}

	train, err := prefdata.ReadFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	test, err := prefdata.Options{}.ReadSplit(dir, prefdata.TestSplit)
	if err != nil {
		t.Fatal(err)
	}
	if len(train) != 10 || len(test) != 4 {
		t.Fatalf("read %d train and %d test pairs, want 10 and 4", len(train), len(test))
	}
	// Row 7 of the stand-in: chosen 4 + (7 mod 3)/2 = 4.5, rejected 2 + (7 mod 2)/2 = 2.5.
	p := train[7]
	if p.ID != "train-7" || p.Chosen != "Blue, number 7." || p.ScoreChosen != 4.5 ||
		p.ScoreRejected != 2.5 {
		t.Errorf("train[7] = %+v", p)
	}

	var onDisk hub.Manifest
	b, err := os.ReadFile(filepath.Join(dir, hub.ManifestName))
	if err != nil || json.Unmarshal(b, &onDisk) != nil {
		t.Fatalf("manifest: %v", err)
	}
	if onDisk.Repo != hub.BinarizedRepo || onDisk.Revision != "main" || len(onDisk.Files) != 3 ||
		onDisk.Files[0].SHA256 != hubtest.SHA256(files[paths[0]].Data) {
		t.Errorf("manifest %+v", onDisk)
	}
}

// rawRecord is one prompt with four completions whose scores are worked out by hand below.
func rawRecord(t *testing.T) []byte {
	t.Helper()
	line, err := hubtest.RawLine("Say hi.",
		// mean (5+5+4)/3 = 4.6667 (N/A left out); overall 9
		hubtest.RawCompletion{Response: "Hi!", Overall: 9,
			Ratings: [4]string{"5", "5", "4", "N/A"}},
		// mean 2; overall 10: the upstream defect (a low-rated completion scored 10)
		hubtest.RawCompletion{Response: "Bye.", Overall: 10,
			Ratings: [4]string{"2", "2", "2", "2"}},
		// mean (3+4+3+4)/4 = 3.5; overall 7
		hubtest.RawCompletion{Response: "Hello.", Overall: 7,
			Ratings: [4]string{"3", "4", "3", "4"}},
		// no rating: unscored by the mean; overall 6
		hubtest.RawCompletion{Response: "...", Overall: 6,
			Ratings: [4]string{"N/A", "N/A", "N/A", "N/A"}})
	if err != nil {
		t.Fatal(err)
	}
	return line
}

func TestFetchRaw(t *testing.T) {
	other, err := hubtest.RawLine("Count to two.",
		hubtest.RawCompletion{Response: "1 2", Overall: 8, Ratings: [4]string{"5", "5", "5", "5"}},
		hubtest.RawCompletion{Response: "1", Overall: 3, Ratings: [4]string{"1", "2", "1", "2"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := hubtest.New(map[string]map[string]*hubtest.File{"datasets/" + hub.RawRepo: {
		"README.md":          {Data: []byte("# raw\n")},
		"flan.jsonl":         {Data: rawRecord(t), LFS: true},
		"sub/sharegpt.jsonl": {Data: other, LFS: true},
	}})
	defer srv.Close()
	c := &hub.Client{Endpoint: srv.URL, HTTP: srv.Client()}

	tests := []struct {
		opts prefdata.RawOptions
		// id -> margin, worked out from the ratings in rawRecord and other
		want map[string]float64
	}{
		{prefdata.RawOptions{Score: prefdata.MeanRating, Pairing: prefdata.AllPairs},
			map[string]float64{"flan:1:0-1": 14.0/3 - 2, "flan:1:0-2": 14.0/3 - 3.5,
				"flan:1:2-1": 1.5, "sharegpt:1:0-1": 5 - 1.5}},
		{prefdata.RawOptions{Score: prefdata.OverallScore, Pairing: prefdata.BestVsWorst},
			map[string]float64{"flan:1:1-3": 4, "sharegpt:1:0-1": 5}},
		{prefdata.RawOptions{Score: prefdata.MeanRating, Pairing: prefdata.BestVsWorst},
			map[string]float64{"flan:1:0-1": 14.0/3 - 2, "sharegpt:1:0-1": 3.5}},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		m, err := hub.FetchUltraFeedback(context.Background(), c, dir,
			hub.UltraFeedbackOptions{Form: hub.Raw, Raw: tt.opts})
		if err != nil {
			t.Fatal(err)
		}
		pairs, err := prefdata.ReadFile(dir)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, p := range pairs {
			got[p.ID] = p.Margin()
		}
		if len(got) != len(tt.want) {
			t.Errorf("%+v: pairs %v, want %v", tt.opts, got, tt.want)
		}
		for id, w := range tt.want {
			if g, ok := got[id]; !ok || math.Abs(g-w) > 1e-12 {
				t.Errorf("%+v: margin of %s = %v (present %v), want %v", tt.opts, id, g, ok, w)
			}
		}
		if m.RawStats == nil || m.RawStats.Prompts != 2 || m.RawStats.Completions != 6 {
			t.Errorf("%+v: stats %+v", tt.opts, m.RawStats)
		}
		raw, _ := os.ReadFile(filepath.Join(dir, hub.RawDir, "sub", "sharegpt.jsonl"))
		if !bytes.Equal(raw, other) {
			t.Error("raw download missing or different under raw/")
		}
		checkWritten(t, dir, hub.RawPairsFile, hub.ManifestName)
	}
}

// checkWritten checks that each named file in dir is readable by everyone (0644) and that
// dir holds no temporary file left by an atomic write.
func checkWritten(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, name := range names {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Error(err)
		} else if info.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want -rw-r--r--", name, info.Mode().Perm())
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file %s left in %s", e.Name(), dir)
		}
	}
}

func TestFetchRawWithoutJSONL(t *testing.T) {
	srv := hubtest.New(map[string]map[string]*hubtest.File{"datasets/" + hub.RawRepo: {
		"data/train-00000.parquet": {Data: []byte("PAR1"), LFS: true}}})
	defer srv.Close()
	c := &hub.Client{Endpoint: srv.URL, HTTP: srv.Client()}
	_, err := hub.FetchUltraFeedback(context.Background(), c, t.TempDir(),
		hub.UltraFeedbackOptions{Form: hub.Raw})
	if err == nil || !strings.Contains(err.Error(), "*.jsonl") ||
		!strings.Contains(err.Error(), "data/train-00000.parquet") {
		t.Fatalf("err = %v, want one naming the expected and the listed files", err)
	}
}
