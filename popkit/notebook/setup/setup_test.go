package setup

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		simd, slowExp bool
		want          string // "" means no error
	}{
		{true, false, ""},
		{false, false, "GOEXPERIMENT=simd"},
		{true, true, "cpu.fma=off"},
	} {
		err := check(tc.simd, tc.slowExp)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("check(%v, %v) = %v, want nil", tc.simd, tc.slowExp, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) ||
			!strings.Contains(err.Error(), "kernel install")):
			t.Errorf("check(%v, %v) = %v, want an error naming %q and the fix", tc.simd,
				tc.slowExp, err, tc.want)
		}
	}
}
