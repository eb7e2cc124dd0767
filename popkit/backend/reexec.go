package backend

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
)

// reexecMarker is set in the environment of a re-executed process, so it never loops.
const reexecMarker = "POPKIT_REEXEC"

// WithFastExp makes sure the process runs without the math.Exp slowdown ([SlowExp]): when the
// slowdown is present and GODEBUG lacks [FixGODEBUG], it replaces the process with a fresh copy
// of itself (same executable, arguments and environment, plus GODEBUG=cpu.fma=off) and never
// returns. Otherwise, or when the new process cannot be started, it returns and the caller
// runs as it is, slowly but correctly; the returned error says why.
//
// Call it first thing in main (or TestMain): the runtime reads cpu.* settings only at start-up,
// so a running process cannot change them, and nothing done before the call survives it.
// Setting POPKIT_REEXEC (to any value) in the environment disables it.
func WithFastExp() error {
	if !SlowExp() || os.Getenv(reexecMarker) != "" {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("backend: cannot find this executable to restart it with GODEBUG=%s: %w",
			FixGODEBUG, err)
	}
	env := slices.Clone(os.Environ())
	env = append(env, reexecMarker+"=1")
	godebug := FixGODEBUG
	for i, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
			if v != "" {
				godebug = v + "," + FixGODEBUG
			}
			env = slices.Delete(env, i, i+1)
			break
		}
	}
	env = append(env, "GODEBUG="+godebug)
	err = syscall.Exec(exe, os.Args, env)
	return fmt.Errorf("backend: restarting with GODEBUG=%s: %w", godebug, err)
}
