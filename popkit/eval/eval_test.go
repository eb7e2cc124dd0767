package eval

import (
	"fmt"
	"math"
	"testing"
)

func near(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}

func TestDiscriminate(t *testing.T) {
	// Seven pairs, buckets weak <= 1 < medium <= 3 < strong:
	//   m*: 0    0    0.5  1     2    3    5
	//   h:  0.3  -1   0.2  -0.1  0    2    4
	// ties (m* = 0): h > 0 once, h < 0 once -> 0.5
	// weak (0.5, 1): right, wrong -> 0.5; medium (2, 3): h = 0 counts 1/2, right -> 0.75
	// strong (5): right -> 1; overall non-tie: (1 + 0 + 0.5 + 1 + 1) / 5 = 0.7
	// Spearman(h, m*): ranks of h = [5, 1, 4, 2, 3, 6, 7], of m* = [1.5, 1.5, 3, 4, 5, 6, 7];
	// centred on their mean 4, the products sum to 17 and the squares to 28 and 27.5, so the
	// Pearson correlation of the ranks is 17 / sqrt(28 * 27.5).
	h := []float64{0.3, -1, 0.2, -0.1, 0, 2, 4}
	gt := []float64{0, 0, 0.5, 1, 2, 3, 5}
	d, err := Discriminate(h, gt, Buckets{WeakMax: 1, MediumMax: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := Discriminative{Accuracy: 0.7, AccuracyWeak: 0.5, AccuracyMedium: 0.75,
		AccuracyStrong: 1, TieAccuracy: 0.5, ImplicitTies: 1, Pairs: 7, Ties: 2, Weak: 2,
		Medium: 2, Strong: 1, Spearman: 17 / math.Sqrt(28*27.5)}
	if !near(d.Spearman, want.Spearman, 1e-12) {
		t.Errorf("Spearman = %.12g, want %.12g", d.Spearman, want.Spearman)
	}
	d.Spearman = want.Spearman
	if d != want {
		t.Errorf("Discriminate =\n %+v\nwant\n %+v", d, want)
	}
}

func TestDiscriminateEmptyBucketIsNaN(t *testing.T) {
	d, err := Discriminate([]float64{1, -1}, []float64{0.5, 0.5}, Buckets{WeakMax: 1, MediumMax: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(d.AccuracyStrong) || !math.IsNaN(d.TieAccuracy) || d.Accuracy != 0.5 {
		t.Errorf("got %+v, want NaN strong and tie accuracy, accuracy 0.5", d)
	}
}

func TestDiscriminateErrors(t *testing.T) {
	cases := []struct {
		h, gt []float64
		want  string
	}{
		{[]float64{1}, []float64{1, 2}, "eval: 1 implicit margins but 2 ground-truth margins"},
		{nil, nil, "eval: no pairs to evaluate"},
		{[]float64{math.NaN()}, []float64{1}, "eval: implicit margin of pair 0 is NaN"},
	}
	for _, c := range cases {
		_, err := Discriminate(c.h, c.gt, Buckets{})
		if err == nil || err.Error() != c.want {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}

func TestTertileBuckets(t *testing.T) {
	// Non-zero margins sorted: 0.5 1 1 2 3 4 (n = 6): the 2nd (ceil(6/3)) is 1, the 4th
	// (ceil(12/3)) is 2.
	b, err := TertileBuckets([]float64{0, 3, 1, 0.5, 0, 4, 2, 1})
	if err != nil {
		t.Fatal(err)
	}
	if b != (Buckets{WeakMax: 1, MediumMax: 2}) {
		t.Errorf("TertileBuckets = %+v, want {1 2}", b)
	}
	if _, err := TertileBuckets([]float64{0, 0}); err == nil {
		t.Error("no error for all-zero margins")
	}
}

func TestSpearmanWithTies(t *testing.T) {
	// Ranks x = [1, 2.5, 2.5, 4], y = [1, 3, 2, 4]; centred products sum to 4.5, squares to 4.5
	// and 5: 4.5 / sqrt(22.5) = 0.9486832980505138 (also scipy.stats.spearmanr's value).
	got := Spearman([]float64{1, 2, 2, 3}, []float64{1, 3, 2, 4})
	if !near(got, 0.9486832980505138, 1e-12) {
		t.Errorf("Spearman = %.16g", got)
	}
	if !math.IsNaN(Spearman([]float64{1, 1}, []float64{1, 2})) {
		t.Error("Spearman of a constant input is not NaN")
	}
}

func TestInterval(t *testing.T) {
	// {1, 2, 3}: mean 2, sd 1, t_{0.975, 2} = 4.302652729911275 (tables; scipy.stats.t.ppf),
	// half width 4.302652729911275 / sqrt(3) = 2.484137711750330.
	s := Interval([]float64{1, 2, math.NaN(), 3}, 0.95)
	if s.N != 3 || !near(s.Mean, 2, 1e-12) || !near(s.Low, 2-2.484137711750330, 1e-9) ||
		!near(s.High, 2+2.484137711750330, 1e-9) {
		t.Errorf("Interval = %+v", s)
	}
	one := Interval([]float64{0.7}, 0.95)
	if one.N != 1 || one.Mean != 0.7 || !math.IsNaN(one.Low) || !math.IsNaN(one.High) {
		t.Errorf("one value: %+v", one)
	}
	if none := Interval(nil, 0.95); none.N != 0 || !math.IsNaN(none.Mean) {
		t.Errorf("no value: %+v", none)
	}
}

func ExampleInterval() {
	s := Interval([]float64{0.61, 0.64, 0.58}, 0.95)
	fmt.Printf("%.3f [%.3f, %.3f] over %d seeds\n", s.Mean, s.Low, s.High, s.N)
	// Output: 0.610 [0.535, 0.685] over 3 seeds
}

func TestImplicitMargins(t *testing.T) {
	// beta = 0.1: ((-5 + 10) - (-12 + 12)) = 5 -> 0.5; ((-10 + 10) - (-8 + 12)) = -4 -> -0.4.
	h := ImplicitMargins(0.1, []float64{-5, -10}, []float64{-12, -8}, []float64{-10, -10},
		[]float64{-12, -12})
	if !near(h[0], 0.5, 1e-12) || !near(h[1], -0.4, 1e-12) {
		t.Errorf("ImplicitMargins = %v, want [0.5 -0.4]", h)
	}
}
