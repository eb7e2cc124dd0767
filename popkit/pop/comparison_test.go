package pop

import (
	"math"
	"slices"
	"testing"
)

func TestComparisonString(t *testing.T) {
	tests := []struct {
		c    Comparison
		want string
	}{
		{Comparison{Stronger: 3, Weaker: 7}, "3>7"},
		{Comparison{Stronger: 3, Weaker: 7, Tie: true}, "3=7"},
	}
	for _, tc := range tests {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestTouched(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		comps []Comparison
		want  []bool
	}{
		{"none", 3, nil, []bool{false, false, false}},
		{"one pair", 4, []Comparison{{Stronger: 2, Weaker: 0}}, []bool{true, false, true, false}},
		{"tie counts", 3, []Comparison{{Stronger: 1, Weaker: 2, Tie: true}},
			[]bool{false, true, true}},
		{"empty list", 0, nil, []bool{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Touched(tc.n, tc.comps); !slices.Equal(got, tc.want) {
				t.Errorf("Touched = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTouchedPanics(t *testing.T) {
	mustPanic(t, "pop: Touched: comparison 1 (0>3) has an index outside [0, 3)", func() {
		Touched(3, []Comparison{{Stronger: 0, Weaker: 1}, {Stronger: 0, Weaker: 3}})
	})
	mustPanic(t, "pop: Touched: comparison 0 (-1>0) has an index outside", func() {
		Touched(3, []Comparison{{Stronger: -1, Weaker: 0}})
	})
	mustPanic(t, "pop: Touched: negative n = -1", func() { Touched(-1, nil) })
}

func TestLabelAccuracy(t *testing.T) {
	s := []float64{1, 2, 3, 3}
	tests := []struct {
		name  string
		comps []Comparison
		want  float64
	}{
		// 2>0 and 1>0 agree with s (2 > 1, 3 > 1); 0>2 does not: 2 of 3.
		{"mixed", []Comparison{{2, 0, false}, {1, 0, false}, {0, 2, false}}, 2.0 / 3},
		// The tie is left out of both counts: 1 of 1.
		{"tie ignored", []Comparison{{2, 3, true}, {1, 0, false}}, 1},
		// A non-tie label between equal strengths (3 = 3) is a disagreement: 0 of 1.
		{"equal strengths", []Comparison{{2, 3, false}}, 0},
		// No non-tie label: NaN.
		{"only ties", []Comparison{{2, 3, true}}, math.NaN()},
		{"empty", nil, math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := LabelAccuracy(s, tc.comps)
			if math.IsNaN(tc.want) != math.IsNaN(got) || (!math.IsNaN(got) && got != tc.want) {
				t.Errorf("LabelAccuracy = %v, want %v", got, tc.want)
			}
		})
	}
	mustPanic(t, "pop: LabelAccuracy: comparison 0 (4>0) has an index outside [0, 4)", func() {
		LabelAccuracy(s, []Comparison{{Stronger: 4, Weaker: 0}})
	})
}
