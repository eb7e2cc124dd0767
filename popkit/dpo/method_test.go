package dpo

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestOffsets(t *testing.T) {
	gt := []float64{0, 1, 4}
	pop := []float64{-0.5, 3, 12}
	cfg := Config{Gamma: 0.7, Alpha: 0.5, MaxMargin: 9}
	tests := []struct {
		method Method
		cfg    Config
		want   []float64
	}{
		{DPO, cfg, []float64{0, 0, 0}},
		{Fixed, cfg, []float64{0.7, 0.7, 0.7}},
		// alpha * m: 0.5 * {0, 1, 4}.
		{GroundTruth, cfg, []float64{0, 0.5, 2}},
		// alpha * log(1 + m): 0.5 * {log 1, log 2, log 5} = {0, 0.346573590279973,
		// 0.804718956217050}.
		{GroundTruthLog, cfg, []float64{0, 0.346573590279973, 0.804718956217050}},
		{IPO, cfg, []float64{0, 0, 0}},
		{Conservative, cfg, []float64{0, 0, 0}},
		// alpha * clip(m_hat, 0, 9): 0.5 * {0, 3, 9}.
		{PoP, cfg, []float64{0, 1.5, 4.5}},
	}
	for _, tc := range tests {
		got, err := tc.cfg.Offsets(tc.method, 3, gt, pop)
		if err != nil {
			t.Fatalf("%s: %v", tc.method, err)
		}
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-12 {
				t.Errorf("%s: offset[%d] = %.15g, want %.15g", tc.method, i, got[i], tc.want[i])
			}
		}
	}
}

func TestOffsetsErrors(t *testing.T) {
	tests := []struct {
		name    string
		method  Method
		cfg     Config
		gt, pop []float64
		wantErr string
	}{
		{"gt missing", GroundTruth, Config{}, nil, nil, "needs 2 ground-truth margins, got 0"},
		{"pop missing", PoP, Config{}, []float64{1, 2}, nil, "needs 2 PoP margins, got 0"},
		{"negative gt", GroundTruth, Config{}, []float64{1, -1}, nil, "margin of pair 1 is -1"},
		{"NaN pop", PoP, Config{}, nil, []float64{math.NaN(), 1}, "margin of pair 0 is NaN"},
		{"negative beta", DPO, Config{Beta: -1}, nil, nil, "beta must be positive"},
		{"smoothing", Conservative, Config{Smoothing: 0.5}, nil, nil, "smoothing must be in"},
		{"unknown method", Method(9), Config{}, nil, nil, "unknown method Method(9)"},
	}
	for _, tc := range tests {
		_, err := tc.cfg.Offsets(tc.method, 2, tc.gt, tc.pop)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.wantErr)
		}
	}
}

func TestParseMethods(t *testing.T) {
	got, err := ParseMethods("dpo, fixed,gt,pop")
	if len(Methods()) != 7 || Methods()[6] != Conservative {
		t.Errorf("Methods() = %v", Methods())
	}
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[dpo fixed gt pop]" {
		t.Errorf("ParseMethods = %v", got)
	}
	for _, bad := range []string{"dpo,dpo", "orpo", ""} {
		if _, err := ParseMethods(bad); err == nil {
			t.Errorf("ParseMethods(%q): no error", bad)
		}
	}
	_, err = ParseMethod("orpo")
	if err == nil || !strings.Contains(err.Error(), "valid: dpo, fixed, gt, pop, gt-log, ipo, cdpo") {
		t.Errorf("error %v does not list the valid names", err)
	}
}

func ExampleConfig_Offsets() {
	gaps := []float64{0, 2, 6} // rating gaps s_w - s_l of three pairs
	for _, m := range MainMethods() {
		offsets, err := Config{}.Offsets(m, len(gaps), gaps, gaps)
		if err != nil {
			panic(err)
		}
		fmt.Println(m, offsets)
	}
	// Output:
	// dpo [0 0 0]
	// fixed [1 1 1]
	// gt [0 1 3]
	// pop [0 1 3]
}
