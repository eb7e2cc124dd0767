//go:build goexperiment.simd

package backend

// simdBuild is true: this file is compiled only with GOEXPERIMENT=simd.
const simdBuild = true
