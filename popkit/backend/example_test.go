package backend_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/gomlx/compute"

	"github.com/poprlhf/sandbox/popkit/backend"
)

// withEnvUnset runs f with $GOMLX_BACKEND unset and restores it afterwards.
func withEnvUnset(f func()) {
	old, had := os.LookupEnv(compute.ConfigEnvVar)
	_ = os.Unsetenv(compute.ConfigEnvVar)
	defer func() {
		if had {
			_ = os.Setenv(compute.ConfigEnvVar, old)
		}
	}()
	f()
}

func ExampleNew() {
	withEnvUnset(func() {
		b, err := backend.New()
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(b.String())
	})
	// Output: go
}

func ExampleDescribe() {
	withEnvUnset(func() {
		b, err := backend.New()
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		config, build, _ := strings.Cut(backend.Describe(b), " ")
		fmt.Println(config)
		fmt.Println(build == "(simd)" || build == "(simd, slow exp)" || build == "(no simd)")
	})
	// Output:
	// go:parallelism=-1
	// true
}

func ExampleSIMD() {
	withEnvUnset(func() {
		b, err := backend.New()
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		// Describe records the build mode that SIMD reports.
		fmt.Println(strings.Contains(backend.Describe(b), "(simd") == backend.SIMD())
	})
	// Output: true
}

func ExampleSlowExp() {
	// The setting that avoids the penalty, to pass in the environment of a new process.
	fmt.Println("GODEBUG=" + backend.FixGODEBUG)
	// Only SIMD builds can pay the penalty.
	fmt.Println(!backend.SlowExp() || backend.SIMD())
	// Output:
	// GODEBUG=cpu.fma=off
	// true
}
