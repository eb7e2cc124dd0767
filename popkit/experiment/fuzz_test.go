package experiment

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzReadRuns checks that ReadRuns never panics, names the file in every error, and that
// what it accepts is written back by WriteRuns and read again unchanged.
func FuzzReadRuns(f *testing.F) {
	for _, s := range []string{
		"method,metric,seed,value\ndpo,accuracy,0,0.75\npop,pop_margin_spearman,1,NaN\n",
		"method,metric,seed,value\r\ndpo,accuracy,0,1e-3\r\ndpo,accuracy,0,0.5\r\n",
		"method,metric,seed,value\n\"a,b\",\"x\"\"y\",2,-Inf\n",
		"method,metric,seed,value\ndpo,accuracy,-1,0.5\n",
		"method,metric,seed\n",
		"",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "runs.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := ReadRuns(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		again := filepath.Join(dir, "again.csv")
		if err := res.WriteRuns(again); err != nil {
			t.Fatal(err)
		}
		back, err := ReadRuns(again)
		if err != nil {
			t.Fatalf("reading back what WriteRuns wrote: %v", err)
		}
		if !slices.EqualFunc(res.Rows(), back.Rows(), func(a, b Row) bool {
			return a.Method == b.Method && a.Metric == b.Metric && a.Seed == b.Seed &&
				(a.Value == b.Value || a.Value != a.Value && b.Value != b.Value)
		}) {
			t.Fatalf("rows %v read back as %v", res.Rows(), back.Rows())
		}
	})
}

// FuzzParseRunRecord checks that parseRunRecord never panics, names the file in every error,
// and accepts only records with a setup.
func FuzzParseRunRecord(f *testing.F) {
	for _, s := range []string{
		`{"setup":{"data":"synthetic","methods":["dpo","pop"],"seeds":3,"train":{"BatchSize":8}},` +
			`"backend":"go","go_version":"go1.26","gomlx_version":"v0.28.2"}`,
		`{"setup":{"data":"x.jsonl","methods":[],"seeds":0}}`,
		`{"setup":{"seeds":"three"}}`,
		"{\n\"setup\": {\n\"data\": 1}}",
		`{"setup":{"data":"a","methods":["dpo"],"seeds":1}} {}`,
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := parseRunRecord(data, "config.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "config.json") {
				t.Fatalf("error %q does not start with the file name", err)
			}
			return
		}
		if rec.Setup.Data == "" || rec.Setup.Seeds < 1 {
			t.Fatalf("accepted an incomplete setup %+v", rec.Setup)
		}
	})
}

// FuzzReadCurves checks that ReadCurves never panics, names the file in every error, and that
// what it accepts is written back by WriteCurves and read again unchanged.
func FuzzReadCurves(f *testing.F) {
	for _, s := range []string{
		"method,seed,step,metric,value\ndpo,0,0,accuracy,0.5\ndpo,0,10,win_rate,0.625\n",
		"method,seed,step,metric,value\r\npop,1,40,kl,NaN\r\npop,1,40,kl,0.25\r\n",
		"method,seed,step,metric,value\ndpo,0,-2,accuracy,0.5\n",
		"method,seed,step,metric\n",
		"",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "curves.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := ReadCurves(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		again := filepath.Join(dir, "again.csv")
		if err := c.WriteCurves(again); err != nil {
			t.Fatal(err)
		}
		back, err := ReadCurves(again)
		if err != nil {
			t.Fatalf("reading back what WriteCurves wrote: %v", err)
		}
		if !slices.EqualFunc(c.Rows(), back.Rows(), func(a, b CurveRow) bool {
			return a.Method == b.Method && a.Metric == b.Metric && a.Seed == b.Seed &&
				a.Step == b.Step && (a.Value == b.Value || a.Value != a.Value && b.Value != b.Value)
		}) {
			t.Fatalf("rows %v read back as %v", c.Rows(), back.Rows())
		}
	})
}
