//go:build ((linux && (amd64 || arm64)) || (darwin && arm64) || (windows && amd64)) && !noxla

package bench

import "github.com/gomlx/go-xla/compute/xla"

// noAutoInstall stops the XLA backend from downloading PJRT plugins: the benchmark measures
// the plugins that are installed, and reports the others as missing.
func noAutoInstall() { xla.EnableAutoInstall(false) }
