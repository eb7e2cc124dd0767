package synth

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestDocPoolTable checks that the table of model probabilities in doc.go is the pool the
// code uses, so the documentation cannot drift from the generator.
func TestDocPoolTable(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]float64{}
	inTable := false
	for _, line := range strings.Split(string(src), "\n") {
		fields := strings.Fields(strings.TrimPrefix(line, "//"))
		if len(fields) > 0 && fields[0] == "model" {
			inTable = true
			continue
		}
		if !inTable {
			continue
		}
		if len(fields) != 10 {
			break
		}
		vals := make([]float64, 9)
		for i, f := range fields[1:] {
			if vals[i], err = strconv.ParseFloat(f, 64); err != nil {
				t.Fatalf("doc.go row %q: %v", line, err)
			}
		}
		rows[fields[0]] = vals
	}
	if len(rows) != len(pool) {
		t.Fatalf("doc.go lists %d models, the pool has %d", len(rows), len(pool))
	}
	for _, m := range pool {
		want := []float64{m.confuse, m.typo, m.drop, m.insert, m.stutter, m.opener, m.closer,
			m.ramble, m.empty}
		got, ok := rows[m.name]
		if !ok {
			t.Errorf("doc.go does not list model %q", m.name)
			continue
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("model %q column %d: doc.go says %g, the code %g", m.name, i+1, got[i],
					want[i])
			}
		}
	}
}
