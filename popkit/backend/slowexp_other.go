//go:build !(goexperiment.simd && amd64)

package backend

// slowExp implements [SlowExp]: without SIMD kernels on amd64 there is no penalty.
func slowExp() bool { return false }
