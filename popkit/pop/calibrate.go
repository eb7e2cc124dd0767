package pop

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"
)

// Scale is a target distribution for margins, in margin units (rating points on UltraFeedback):
// [Calibrate] maps Bradley-Terry scores to values with this mean and standard deviation, then
// clips them to [0, Max]. [ScaleOf] measures it from a set of margins.
type Scale struct {
	// Mean is the target mean mu.
	Mean float64
	// Std is the target standard deviation sigma (sample, n-1 denominator), >= 0.
	Std float64
	// Max is the upper clip M, >= 0. Zero means no upper clip (margins are still clipped
	// below at 0).
	Max float64
}

// Validate reports a scale that cannot be calibrated to: a non-finite mean or standard
// deviation, a negative standard deviation, or a negative or NaN Max.
func (s Scale) Validate() error {
	switch {
	case math.IsNaN(s.Mean) || math.IsInf(s.Mean, 0):
		return fmt.Errorf("pop: Scale.Mean = %g must be finite", s.Mean)
	case !(s.Std >= 0) || math.IsInf(s.Std, 0):
		return fmt.Errorf("pop: Scale.Std = %g must be finite and >= 0", s.Std)
	case !(s.Max >= 0):
		return fmt.Errorf("pop: Scale.Max = %g must be >= 0 (0 means no upper clip)", s.Max)
	}
	return nil
}

// ScaleOf returns the mean, the sample standard deviation (n-1 denominator; 0 for a single
// margin) and the maximum of margins, usually the training set's rating margins s_w - s_l. It
// panics on an empty slice.
func ScaleOf(margins []float64) Scale {
	if len(margins) == 0 {
		panic("pop: ScaleOf of no margins")
	}
	mean, std := stat.MeanStdDev(margins, nil)
	if len(margins) == 1 {
		std = 0
	}
	return Scale{Mean: mean, Std: std, Max: floats.Max(margins)}
}

// Calibrate maps Bradley-Terry scores u, shaped [n], to margins in the units of target, shaped
// [n]:
//
//	m_hat_i = clip(mu + sigma * (u_i - mean(u)) / sd(u), 0, M)
//
// with mu, sigma, M = target.Mean, target.Std, target.Max (no upper clip when M is 0) and sd
// the sample standard deviation. If sd(u) is 0, or u has fewer than 2 values, every m_hat_i is
// clip(mu, 0, M).
//
// This linear map is our own choice: Bradley-Terry scores live on a log-odds scale whose unit
// depends on how the labels were made (noise, k, ridge), so only their order and relative
// spacing are kept, and the scale is borrowed from the ratings. It panics if target is invalid
// (see [Scale.Validate]) or a score is not finite.
func Calibrate(u []float64, target Scale) []float64 {
	if err := target.Validate(); err != nil {
		panic(fmt.Sprintf("pop: Calibrate: %v", err))
	}
	for i, v := range u {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			panic(fmt.Sprintf("pop: Calibrate: score u[%d] = %g is not finite", i, v))
		}
	}

	hi := target.Max
	if hi == 0 {
		hi = math.Inf(1)
	}
	out := make([]float64, len(u))
	mean, sd := 0.0, 0.0
	if len(u) >= 2 {
		mean, sd = stat.MeanStdDev(u, nil)
	}
	for i, v := range u {
		m := target.Mean
		if sd > 0 {
			m += target.Std * (v - mean) / sd
		}
		out[i] = math.Min(math.Max(m, 0), hi)
	}
	return out
}

// InferMargins fits Bradley-Terry scores to the comparisons between preferences 0..n-1 with
// [FitBradleyTerry] and maps them to margins, shaped [n], with [Calibrate]:
//
//	m_hat = Calibrate(FitBradleyTerry(n, comps, fit), scale).
//
// It returns the errors of FitBradleyTerry, and an error for an invalid scale.
func InferMargins(n int, comps []Comparison, fit FitConfig, scale Scale) ([]float64, FitReport,
	error) {
	if err := scale.Validate(); err != nil {
		return nil, FitReport{}, err
	}
	u, report, err := FitBradleyTerry(n, comps, fit)
	if err != nil {
		return nil, report, err
	}
	return Calibrate(u, scale), report, nil
}
