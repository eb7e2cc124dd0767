//go:build !goexperiment.simd

package backend

// simdBuild is false: this file is compiled only without GOEXPERIMENT=simd.
const simdBuild = false
