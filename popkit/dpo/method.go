package dpo

import (
	"fmt"
	"math"
	"strings"
)

// Method is a member of the preference-loss family: it decides the objective and the offset
// delta_i of each pair (see the package documentation and [Config.Loss]).
type Method int

const (
	// DPO is vanilla DPO: delta_i = 0.
	DPO Method = iota
	// Fixed is DPO with one margin for every pair: delta_i = gamma.
	Fixed
	// GroundTruth uses the rating gap: delta_i = alpha * m*_i.
	GroundTruth
	// PoP uses margins inferred from preference-over-preference labels:
	// delta_i = alpha * clip(m_hat_i, 0, M).
	PoP
	// GroundTruthLog is offset DPO with a log transform of the rating gap,
	// delta_i = alpha * log(1 + m*_i), in the spirit of ODPO (Amini et al., 2024, which offsets
	// by a log-scaled score difference); log(1 + m) keeps ties at 0.
	GroundTruthLog
	// IPO is identity preference optimisation (Azar et al., 2023, Eq. 17): a squared loss that
	// pulls the log-ratio difference to 1/(2 beta) instead of pushing it to infinity.
	IPO
	// Conservative is conservative DPO (label smoothing; Mitchell, 2023): each label is taken to
	// be wrong with probability epsilon.
	Conservative
)

// methodNames are the command-line names of the methods, indexed by Method.
var methodNames = [...]string{DPO: "dpo", Fixed: "fixed", GroundTruth: "gt", PoP: "pop",
	GroundTruthLog: "gt-log", IPO: "ipo", Conservative: "cdpo"}

// Methods lists every method in a stable order.
func Methods() []Method {
	all := make([]Method, len(methodNames))
	for i := range all {
		all[i] = Method(i)
	}
	return all
}

// MainMethods are the four methods of the paper's main comparison: DPO, a fixed margin,
// ground-truth margins and DPO-PoP.
func MainMethods() []Method { return []Method{DPO, Fixed, GroundTruth, PoP} }

// String returns the method's command-line name ("dpo", "fixed", "gt", "pop", ...).
func (m Method) String() string {
	if m < 0 || int(m) >= len(methodNames) {
		return fmt.Sprintf("Method(%d)", int(m))
	}
	return methodNames[m]
}

// ParseMethod returns the method with the given command-line name.
func ParseMethod(name string) (Method, error) {
	for i, n := range methodNames {
		if n == name {
			return Method(i), nil
		}
	}
	return 0, fmt.Errorf("dpo: unknown method %q (valid: %s)", name,
		strings.Join(methodNames[:], ", "))
}

// ParseMethods parses a comma-separated list of method names, such as "dpo,fixed,gt,pop".
func ParseMethods(list string) ([]Method, error) {
	var out []Method
	seen := map[Method]bool{}
	for _, name := range strings.Split(list, ",") {
		m, err := ParseMethod(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		if seen[m] {
			return nil, fmt.Errorf("dpo: method %q listed twice", m)
		}
		seen[m] = true
		out = append(out, m)
	}
	return out, nil
}

// Config holds the margin-DPO hyperparameters. The zero value of each field means its default.
type Config struct {
	// Beta scales the log-ratios into the implicit margin h. Default 0.1, the DPO paper's value.
	Beta float64
	// Gamma is the fixed margin, in units of h. Default 1.
	Gamma float64
	// Alpha converts margins in rating units (UltraFeedback's 1-10 scale) to units of h.
	// Default 0.5, so that the mean offset on UltraFeedback (mean gap about 2) is close to Gamma.
	Alpha float64
	// MaxMargin is the clip M applied to PoP margins, in rating units. Default 9, the widest
	// gap on a 1-10 scale.
	MaxMargin float64
	// Smoothing is the label-noise rate epsilon of conservative DPO, in [0, 0.5). Default 0.1.
	Smoothing float64
}

// Defaults of Config; see the field comments.
const (
	DefaultBeta      = 0.1
	DefaultGamma     = 1.0
	DefaultAlpha     = 0.5
	DefaultMaxMargin = 9.0
	DefaultSmoothing = 0.1
)

// Normalized returns c with every zero field replaced by its default.
func (c Config) Normalized() Config {
	if c.Beta == 0 {
		c.Beta = DefaultBeta
	}
	if c.Gamma == 0 {
		c.Gamma = DefaultGamma
	}
	if c.Alpha == 0 {
		c.Alpha = DefaultAlpha
	}
	if c.MaxMargin == 0 {
		c.MaxMargin = DefaultMaxMargin
	}
	if c.Smoothing == 0 {
		c.Smoothing = DefaultSmoothing
	}
	return c
}

// Validate reports a configuration that cannot be trained with.
func (c Config) Validate() error {
	c = c.Normalized()
	switch {
	case !(c.Beta > 0) || math.IsInf(c.Beta, 0):
		return fmt.Errorf("dpo: beta must be positive and finite, got %g", c.Beta)
	case c.Gamma < 0 || math.IsInf(c.Gamma, 0) || math.IsNaN(c.Gamma):
		return fmt.Errorf("dpo: gamma must be non-negative and finite, got %g", c.Gamma)
	case c.Alpha < 0 || math.IsInf(c.Alpha, 0) || math.IsNaN(c.Alpha):
		return fmt.Errorf("dpo: alpha must be non-negative and finite, got %g", c.Alpha)
	case !(c.MaxMargin > 0) || math.IsInf(c.MaxMargin, 0):
		return fmt.Errorf("dpo: max margin must be positive and finite, got %g", c.MaxMargin)
	case !(c.Smoothing >= 0 && c.Smoothing < 0.5):
		return fmt.Errorf("dpo: smoothing must be in [0, 0.5), got %g", c.Smoothing)
	}
	return nil
}

// Offsets returns delta_i for every pair under method m:
//
//	DPO, IPO, Conservative  0
//	Fixed                   gamma
//	GroundTruth             alpha * gt[i]
//	GroundTruthLog          alpha * log(1 + gt[i])
//	PoP                     alpha * clip(pop[i], 0, M)
//
// gt holds the rating gaps m*_i (needed by GroundTruth) and pop the inferred margins m_hat_i in
// rating units (needed by PoP); the slice a method does not use may be nil. A non-finite
// margin is an error, and so is a negative ground-truth margin (a chosen response rated below
// the rejected one); negative PoP margins are clipped to 0.
func (c Config) Offsets(m Method, n int, gt, pop []float64) ([]float64, error) {
	c = c.Normalized()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	source := func(name string, margins []float64, allowNegative bool) error {
		if len(margins) != n {
			return fmt.Errorf("dpo: method %s needs %d %s margins, got %d", m, n, name, len(margins))
		}
		for i, v := range margins {
			if (v < 0 && !allowNegative) || math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("dpo: %s margin of pair %d is %g; margins must be finite and >= 0",
					name, i, v)
			}
		}
		return nil
	}

	out := make([]float64, n)
	switch m {
	case DPO, IPO, Conservative:
	case Fixed:
		for i := range out {
			out[i] = c.Gamma
		}
	case GroundTruth, GroundTruthLog:
		if err := source("ground-truth", gt, false); err != nil {
			return nil, err
		}
		for i, v := range gt {
			if m == GroundTruthLog {
				v = math.Log1p(v)
			}
			out[i] = c.Alpha * v
		}
	case PoP:
		if err := source("PoP", pop, true); err != nil {
			return nil, err
		}
		for i, v := range pop {
			out[i] = c.Alpha * math.Min(math.Max(v, 0), c.MaxMargin)
		}
	default:
		return nil, fmt.Errorf("dpo: unknown method %s", m)
	}
	return out, nil
}
