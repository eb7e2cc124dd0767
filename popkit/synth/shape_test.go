package synth

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/poprlhf/sandbox/popkit/internal/realdata"
	"github.com/poprlhf/sandbox/popkit/prefdata"
)

// marginShape summarizes a list of rating margins.
type marginShape struct {
	n        int
	mean     float64
	ties     float64 // share of margins equal to 0
	skewness float64 // third standardized moment
	max      float64
	hist     []float64 // share per bucket of marginBuckets
}

// marginBuckets name the histogram buckets: ties, then half-open unit intervals, then the
// tail above 6 (the real sample's largest margin is 8).
var marginBuckets = []string{"0", "(0,1]", "(1,2]", "(2,3]", "(3,4]", "(4,5]", "(5,6]", ">6"}

// bucket returns the histogram bucket of margin m >= 0.
func bucket(m float64) int {
	if m == 0 {
		return 0
	}
	return min(len(marginBuckets)-1, int(math.Ceil(m)))
}

// shapeOf computes the summary of margins.
func shapeOf(margins []float64) marginShape {
	s := marginShape{n: len(margins), hist: make([]float64, len(marginBuckets))}
	n := float64(len(margins))
	for _, m := range margins {
		s.mean += m / n
		s.max = math.Max(s.max, m)
		s.hist[bucket(m)] += 1 / n
	}
	s.ties = s.hist[0]
	var m2, m3 float64
	for _, m := range margins {
		d := m - s.mean
		m2 += d * d / n
		m3 += d * d * d / n
	}
	s.skewness = m3 / math.Pow(m2, 1.5)
	return s
}

// mode returns the index of the largest bucket.
func (s marginShape) mode() int {
	best := 0
	for i, h := range s.hist {
		if h > s.hist[best] {
			best = i
		}
	}
	return best
}

// String renders the summary and a text histogram, one bar character per percent.
func (s marginShape) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "n %d, mean %.3f, ties %.3f, skewness %.2f, max %g\n", s.n, s.mean,
		s.ties, s.skewness, s.max)
	for i, h := range s.hist {
		fmt.Fprintf(&sb, "  %-6s %5.1f%% %s\n", marginBuckets[i], 100*h,
			strings.Repeat("#", int(math.Round(100*h))))
	}
	return sb.String()
}

// realShape is the shape of the shared UltraFeedback sample, computed by a Python program
// over train_1000.jsonl (metadata.score_chosen - metadata.score_rejected): mean 1.897, 111
// ties of 1000, population skewness 1.18, max 8, and per bucket 111, 386, 205, 95, 71, 65,
// 37, 30 pairs.
var realShape = marginShape{n: 1000, mean: 1.897, ties: 0.111, skewness: 1.18, max: 8,
	hist: []float64{.111, .386, .205, .095, .071, .065, .037, .030}}

// compareShapes fails t unless got resembles want: means within 0.5, tie shares within 0.08,
// the same mode bucket, a right skew (skewness above 0.5) and a tail past 6.
func compareShapes(t *testing.T, what string, got, want marginShape) {
	t.Helper()
	if d := math.Abs(got.mean - want.mean); d > 0.5 {
		t.Errorf("%s: mean margin %.3f, want within 0.5 of %.3f", what, got.mean, want.mean)
	}
	if d := math.Abs(got.ties - want.ties); d > 0.08 {
		t.Errorf("%s: tie share %.3f, want within 0.08 of %.3f", what, got.ties, want.ties)
	}
	if got.mode() != want.mode() {
		t.Errorf("%s: mode bucket %s, want %s", what, marginBuckets[got.mode()],
			marginBuckets[want.mode()])
	}
	if got.skewness < 0.5 {
		t.Errorf("%s: skewness %.2f, want a right skew above 0.5", what, got.skewness)
	}
	if got.max <= 6 {
		t.Errorf("%s: largest margin %g, want a tail past 6", what, got.max)
	}
}

// TestMarginShape compares the rating margins of default worlds with the real UltraFeedback
// sample: always with the sample's recorded shape, and with the file itself where present.
func TestMarginShape(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		w, err := Generate(Config{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		got := shapeOf(prefdata.Margins(w.Pairs))
		t.Logf("synthetic, seed %d: %v", seed, got)
		compareShapes(t, fmt.Sprintf("seed %d", seed), got, realShape)
	}

	path, ok := realdata.Path()
	if !ok {
		t.Skipf("skipping the comparison with the real file: the UltraFeedback sample is not "+
			"at %s (../shared/data/ultrafeedback/train_1000.jsonl from the repository root)",
			path)
	}
	pairs, err := prefdata.ReadJSONL(path)
	if err != nil {
		t.Fatal(err)
	}
	real := shapeOf(prefdata.Margins(pairs))
	t.Logf("real UltraFeedback sample: %v", real)
	if real.n != realShape.n || math.Abs(real.mean-realShape.mean) > 1e-9 ||
		math.Abs(real.ties-realShape.ties) > 1e-9 || real.max != realShape.max {
		t.Errorf("the real sample's shape %v differs from the recorded one %v", real, realShape)
	}
	for i := range real.hist {
		if math.Abs(real.hist[i]-realShape.hist[i]) > 1e-9 {
			t.Errorf("bucket %s: real share %.3f, recorded %.3f", marginBuckets[i],
				real.hist[i], realShape.hist[i])
		}
	}
	w, err := Generate(Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	compareShapes(t, "seed 1 against the file", shapeOf(prefdata.Margins(w.Pairs)), real)
}

// TestBestVsWorstShape checks the documented effect of the best-vs-worst rule: larger
// margins and almost no ties.
func TestBestVsWorstShape(t *testing.T) {
	random, _ := Generate(Config{Seed: 1})
	worst, _ := Generate(Config{Seed: 1, Binarize: BestVsWorst})
	r, w := shapeOf(prefdata.Margins(random.Pairs)), shapeOf(prefdata.Margins(worst.Pairs))
	t.Logf("best-vs-worst, seed 1: %v", w)
	if w.mean < r.mean+0.75 || w.ties > 0.02 {
		t.Errorf("best-vs-worst: mean %.3f, ties %.3f; want a mean at least 0.75 above "+
			"best-vs-random's %.3f and under 2%% ties", w.mean, w.ties, r.mean)
	}
}
