//go:build !(((linux && (amd64 || arm64)) || (darwin && arm64) || (windows && amd64)) && !noxla)

package bench

// noAutoInstall does nothing: this build has no XLA backend.
func noAutoInstall() {}
