package pop

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// mustPanic fails t unless f panics with a message containing want, so a test is not
// satisfied by an unrelated panic (an index out of range, a nil dereference).
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic; want one containing %q", want)
		}
		if msg := fmt.Sprint(r); !strings.Contains(msg, want) {
			t.Fatalf("panic %q; want one containing %q", msg, want)
		}
	}()
	f()
}

// wantErr fails t unless err is non-nil and its message contains want.
func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one containing %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q; want one containing %q", err, want)
	}
}

// ranks returns the ranks (0-based) of x, ties sharing the mean of their ranks.
func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for lo := 0; lo < len(idx); {
		hi := lo
		for hi+1 < len(idx) && x[idx[hi+1]] == x[idx[lo]] {
			hi++
		}
		for k := lo; k <= hi; k++ {
			r[idx[k]] = float64(lo+hi) / 2
		}
		lo = hi + 1
	}
	return r
}

// spearman returns Spearman's rank correlation: Pearson's correlation (gonum/stat) of ranks.
func spearman(x, y []float64) float64 {
	return stat.Correlation(ranks(x), ranks(y), nil)
}

func TestSpearmanHelper(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
		want float64
	}{
		// Monotone but not linear: ranks agree exactly.
		{"monotone", []float64{1, 2, 3, 10}, []float64{0, 4, 9, 100}, 1},
		// Reversed order.
		{"reversed", []float64{1, 2, 3}, []float64{3, 2, 1}, -1},
		// With ties; scipy 1.10.1 (Debian python3-scipy):
		//   >>> scipy.stats.spearmanr([1, 2, 2, 3, 5], [2, 1, 4, 4, 6]).correlation
		//   0.7631578947368421
		{"ties", []float64{1, 2, 2, 3, 5}, []float64{2, 1, 4, 4, 6}, 0.7631578947368421},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := spearman(tc.x, tc.y); abs(got-tc.want) > 1e-12 {
				t.Errorf("spearman = %.16g, want %.16g", got, tc.want)
			}
		})
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
