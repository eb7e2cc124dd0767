package pop

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestScaleOf(t *testing.T) {
	tests := []struct {
		name    string
		margins []float64
		want    Scale
	}{
		// Mean (1+2+3+6)/4 = 3; squared deviations 4+1+0+9 = 14; sample variance 14/3, so the
		// sd is sqrt(14/3) = 2.160246899469287; maximum 6.
		{"four", []float64{1, 2, 3, 6}, Scale{Mean: 3, Std: 2.160246899469287, Max: 6}},
		// A single margin has no spread: sd 0 by definition.
		{"one", []float64{4}, Scale{Mean: 4, Std: 0, Max: 4}},
		{"all zero", []float64{0, 0}, Scale{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ScaleOf(tc.margins)
			if math.Abs(got.Mean-tc.want.Mean) > 1e-15 || math.Abs(got.Std-tc.want.Std) > 1e-15 ||
				got.Max != tc.want.Max {
				t.Errorf("ScaleOf = %+v, want %+v", got, tc.want)
			}
		})
	}
	mustPanic(t, "pop: ScaleOf of no margins", func() { ScaleOf(nil) })
}

func TestCalibrate(t *testing.T) {
	tests := []struct {
		name  string
		u     []float64
		scale Scale
		want  []float64
	}{
		// mean(u) = 2, sd(u) = sqrt((1+0+1)/2) = 1, so z = u - 2 = -1, 0, 1 and
		// m = 2 + 1*z; Max 0 means no upper clip.
		{"identity", []float64{1, 2, 3}, Scale{Mean: 2, Std: 1}, []float64{1, 2, 3}},
		// mean(u) = 2, sd(u) = sqrt((4+0+4)/2) = 2, z = -1, 0, 1; m = 1 + 2z = -1, 1, 3,
		// clipped to [0, 2.5]: 0, 1, 2.5.
		{"both clips", []float64{0, 2, 4}, Scale{Mean: 1, Std: 2, Max: 2.5},
			[]float64{0, 1, 2.5}},
		// Shift invariance: u + 100 gives the same margins as the identity case.
		{"shifted scores", []float64{101, 102, 103}, Scale{Mean: 2, Std: 1},
			[]float64{1, 2, 3}},
		// mean(u) = 0.25, sd(u) = sqrt((0.0625*3 + 0.5625)/3) = 0.5, z = -0.5, -0.5, -0.5,
		// 1.5; m = 3 + 2z = 2, 2, 2, 6, clipped at 5: 2, 2, 2, 5.
		{"upper clip", []float64{0, 0, 0, 1}, Scale{Mean: 3, Std: 2, Max: 5},
			[]float64{2, 2, 2, 5}},
		// sd(u) = 0: every margin is the target mean.
		{"constant scores", []float64{5, 5}, Scale{Mean: 3, Std: 1}, []float64{3, 3}},
		// Fewer than 2 scores: the target mean.
		{"one score", []float64{7}, Scale{Mean: 3, Std: 1}, []float64{3}},
		// The mean itself is clipped: 10 > Max 8.
		{"mean above Max", []float64{1, 1}, Scale{Mean: 10, Std: 1, Max: 8}, []float64{8, 8}},
		// A target sd of 0 collapses every margin onto the mean.
		{"zero target sd", []float64{1, 5}, Scale{Mean: 2}, []float64{2, 2}},
		{"empty", []float64{}, Scale{Mean: 2, Std: 1}, []float64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Calibrate(tc.u, tc.scale)
			if !slices.EqualFunc(got, tc.want, func(a, b float64) bool {
				return math.Abs(a-b) <= 1e-12
			}) {
				t.Errorf("Calibrate = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCalibratePanics(t *testing.T) {
	tests := []struct {
		name  string
		u     []float64
		scale Scale
		want  string
	}{
		{"NaN mean", []float64{1}, Scale{Mean: math.NaN()}, "pop: Calibrate: pop: Scale.Mean = NaN"},
		{"Inf mean", []float64{1}, Scale{Mean: math.Inf(-1)}, "Scale.Mean = -Inf must be finite"},
		{"negative sd", []float64{1}, Scale{Std: -1}, "Scale.Std = -1 must be finite and >= 0"},
		{"NaN sd", []float64{1}, Scale{Std: math.NaN()}, "Scale.Std = NaN"},
		{"negative Max", []float64{1}, Scale{Max: -1}, "Scale.Max = -1 must be >= 0"},
		{"NaN Max", []float64{1}, Scale{Max: math.NaN()}, "Scale.Max = NaN"},
		{"NaN score", []float64{1, math.NaN()}, Scale{}, "pop: Calibrate: score u[1] = NaN"},
		{"Inf score", []float64{math.Inf(1)}, Scale{}, "pop: Calibrate: score u[0] = +Inf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mustPanic(t, tc.want, func() { Calibrate(tc.u, tc.scale) })
		})
	}
}

func TestInferMargins(t *testing.T) {
	// The reference set of TestFitBradleyTerryReference under ridge 0.5 gives (scipy)
	// u = 0.604581506414, 0.050087518993, 0.050087518993, -0.256835172938, -0.086122256223,
	// -0.361799115239. The calibration, in numpy 1.24:
	//   >>> m = 4 + 2*(u - u.mean())/np.std(u, ddof=1)   # np.std(u, ddof=1) = 0.339062314591
	//   >>> print(', '.join('%.9f' % x for x in m))
	//   7.566197011, 4.295447278, 4.295447278, 2.485026723, 3.491997474, 1.865884236
	// and the clip at Max = 5 turns the first into 5.
	want := []float64{5, 4.295447278, 4.295447278, 2.485026723, 3.491997474, 1.865884236}
	m, rep, err := InferMargins(6, refComps, FitConfig{Ridge: 0.5, GradTol: 1e-12},
		Scale{Mean: 4, Std: 2, Max: 5})
	if err != nil {
		t.Fatal(err)
	}
	for i := range m {
		if math.Abs(m[i]-want[i]) > 1e-6 {
			t.Errorf("m[%d] = %.7f, want %.6f", i, m[i], want[i])
		}
	}
	if rep.Ridge != 0.5 || rep.Components != 1 {
		t.Errorf("report %+v", rep)
	}

	// Errors: an invalid scale, and the fit's own errors.
	_, _, err = InferMargins(6, refComps, FitConfig{}, Scale{Std: -1})
	wantErr(t, err, "pop: Scale.Std = -1")
	_, _, err = InferMargins(2, []Comparison{{0, 1, false}}, FitConfig{NoRidge: true}, Scale{})
	if !errors.Is(err, ErrNeedsRidge) {
		t.Errorf("error %v, want ErrNeedsRidge", err)
	}
}
