//go:build goexperiment.simd && amd64

package backend

import "simd/archsimd"

// slowExp implements [SlowExp] for SIMD builds on amd64: the Go backend's vector kernels run
// when the CPU has AVX2 or AVX-512, and math.Exp takes its FMA path when AVX and FMA are enabled
// (both after GODEBUG's cpu.* settings, which archsimd.X86 reflects).
func slowExp() bool {
	vectorKernels := archsimd.X86.AVX2() || archsimd.X86.AVX512()
	return vectorKernels && archsimd.X86.AVX() && archsimd.X86.FMA()
}
