// Package backend chooses the GoMLX compute backend for popkit runs, avoiding the one
// configuration known to deadlock.
//
// GoMLX's Go backend ("go") is the default engine of this repository. It runs independent ops
// of a graph in parallel and splits each matmul over the cores, both on one worker pool. With
// the pool bounded (its default size is twice GOMAXPROCS) training graphs can deadlock: each op
// running in parallel holds a pool slot while its matmul waits for a free slot to start its
// own workers, and once every slot is held by such an op none ever comes free (compute v0.1.4,
// internal/gobackend/workerspool: Saturate waits while the pool is full; TestPoolStarvation
// reproduces it with eight independent matmuls; the backend's Erf, GELU, convolution and
// reduce-window ops also start pool tasks from inside an op and can starve the same way). An
// unbounded pool ("go:parallelism=-1") starts every task at once, so no task waits for a slot
// (a matmul still waits for its own workers to finish, which always run): [SafeDefault] names
// that configuration and [New] uses it unless $GOMLX_BACKEND says otherwise. Running ops one
// at a time ("go:ops_sequential") is safe as well, but leaves a core idle during every op
// other than a matmul: on two cores the default-size preference step, its rows in two groups
// as popkit trains (train.Config.RowGroups), took about 1.7 times as long (go test
// ./popkit/bench -bench PreferenceStep under each setting, alternately).
//
// SIMD builds have a second trap on amd64: after the backend's vector kernels, math.Exp (used
// per element by softmax, log-softmax and SiLU) can run about 100 times slower. [SlowExp]
// detects it and GODEBUG=cpu.fma=off ([FixGODEBUG]) in the environment of the process removes
// it. Measured side by side on one machine, a default-size training step of the policy decoder
// ran about 5 times faster with the setting, and about twice as fast as in a build without
// SIMD.
//
// Configuration strings follow GoMLX: "<backend>:<options>", for example "go:parallelism=-1",
// "go:ops_sequential", "xla:cpu" or "xla:cuda". The Go backend's options are
// parallelism=N, ops_sequential, ops_parallel, dependency_order and creation_order; the last of
// ops_sequential and ops_parallel wins, and with neither the Go backend runs ops in parallel
// whenever a graph executes alone. The Go backend prints one line to standard output when a
// parallelism option creates it ("Go backend: parallelism set to -1"); [New] and
// [NewWithConfig] leave that line out.
//
// Importing this package registers the Go backend and GoMLX's default backends package, which
// adds XLA/PJRT ("xla") where the platform supports it. Nothing is downloaded at import time; a
// "xla" configuration installs its PJRT plugin on first use, which needs a network. The XLA
// binding uses cgo: a build with CGO_ENABLED=0 needs the build tag noxla, which leaves only the
// Go backend.
package backend
