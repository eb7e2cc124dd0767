// Package backend chooses the GoMLX compute backend for popkit runs, avoiding the one
// configuration known to deadlock.
//
// GoMLX's Go backend ("go") is the default engine of this repository. Built with
// GOEXPERIMENT=simd its matrix multiplications are several times faster, but when that backend
// also executes independent ops in parallel, training graphs can deadlock: every worker of the
// shared pool ends up waiting inside a matmul for workers that never come free. Executing ops
// one after the other ("go:ops_sequential") avoids this and keeps each matmul parallel inside,
// so it is still faster than a build without SIMD. [SafeDefault] names that configuration and
// [New] uses it unless $GOMLX_BACKEND says otherwise.
//
// SIMD builds have a second trap on amd64: after the backend's vector kernels, math.Exp (used
// per element by softmax, log-softmax and SiLU) can run about 100 times slower. [SlowExp]
// detects it and GODEBUG=cpu.fma=off ([FixGODEBUG]) in the environment of the process removes
// it. Measured side by side on one machine, a default-size training step of the policy decoder
// ran about 5 times faster with the setting, and about twice as fast as in a build without
// SIMD.
//
// Configuration strings follow GoMLX: "<backend>:<options>", for example "go:ops_sequential",
// "go:ops_sequential,parallelism=4", "xla:cpu" or "xla:cuda". The Go backend's options are
// parallelism=N, ops_sequential, ops_parallel, dependency_order and creation_order; the last of
// ops_sequential and ops_parallel wins, and with neither the Go backend runs ops in parallel
// whenever a graph executes alone.
//
// Importing this package registers the Go backend and GoMLX's default backends package, which
// adds XLA/PJRT ("xla") where the platform supports it. Nothing is downloaded at import time; a
// "xla" configuration installs its PJRT plugin on first use, which needs a network. The XLA
// binding uses cgo: a build with CGO_ENABLED=0 needs the build tag noxla, which leaves only the
// Go backend.
package backend
