package prefdata_test

import (
	"errors"
	"testing"

	"github.com/poprlhf/sandbox/popkit/internal/realdata"
	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// TestRealSample reads the real UltraFeedback sample. Expected numbers come from Python's json
// module over the same file: 1,000 records; margins (metadata.score_chosen - score_rejected)
// sum to 1897.0 (mean 1.897), range [0, 8], 111 ties; source_index of the first record 27808
// and of the last 3287; line 479 (0-based record 478, source_index 7618) has rejected == "" and
// line 834 (source_index 28230) has chosen == ""; without those two the margins sum to 1889.5
// and 111 ties remain.
func TestRealSample(t *testing.T) {
	path := realdata.Require(t)

	_, err := prefdata.Options{Empty: prefdata.EmptyReject}.ReadJSONL(path)
	var pe *prefdata.ParseError
	if !errors.As(err, &pe) || pe.Line != 479 || pe.Field != "rejected" {
		t.Errorf("EmptyReject: got %v, want the empty rejected text on line 479", err)
	}

	tests := []struct {
		name            string
		opts            prefdata.Options
		n, ties         int
		sum             float64
		firstID, lastID string
		checkEmptyKept  bool // records 478 and 833 are kept with their empty texts
	}{
		{"default", prefdata.Options{}, 1000, 111, 1897, "27808", "3287", true},
		{"keep", prefdata.Options{Empty: prefdata.EmptyKeep}, 1000, 111, 1897, "27808", "3287",
			true},
		{"skip", prefdata.Options{Empty: prefdata.EmptySkip}, 998, 111, 1889.5, "27808", "3287",
			false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pairs, err := tc.opts.ReadJSONL(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(pairs) != tc.n {
				t.Fatalf("%d pairs, want %d", len(pairs), tc.n)
			}
			ties, sum, lo, hi := 0, 0.0, 100.0, -100.0
			for _, m := range prefdata.Margins(pairs) {
				sum += m
				lo, hi = min(lo, m), max(hi, m)
			}
			for _, p := range pairs {
				if p.Tie() {
					ties++
				}
			}
			if ties != tc.ties || sum != tc.sum || lo != 0 || hi != 8 {
				t.Errorf("ties %d sum %g range [%g, %g]; want %d, %g, [0, 8]",
					ties, sum, lo, hi, tc.ties, tc.sum)
			}
			if pairs[0].ID != tc.firstID || pairs[len(pairs)-1].ID != tc.lastID {
				t.Errorf("IDs %s..%s, want %s..%s", pairs[0].ID, pairs[len(pairs)-1].ID,
					tc.firstID, tc.lastID)
			}
			if !tc.checkEmptyKept {
				return
			}
			if pairs[478].ID != "7618" || pairs[478].Rejected != "" {
				t.Errorf("pair 478: ID %s, rejected length %d; want 7618 and 0",
					pairs[478].ID, len(pairs[478].Rejected))
			}
			if pairs[833].ID != "28230" || pairs[833].Chosen != "" {
				t.Errorf("pair 833: ID %s, chosen length %d; want 28230 and 0",
					pairs[833].ID, len(pairs[833].Chosen))
			}
		})
	}
}
