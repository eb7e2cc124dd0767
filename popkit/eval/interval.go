package eval

import (
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Summary is the mean of a measurement over seeds with a two-sided confidence interval.
type Summary struct {
	Mean, Low, High float64
	N               int // number of finite values behind the summary
}

// Interval returns the mean of the finite values and the two-sided Student-t confidence
// interval at the given level (0.95 for 95%):
//
//	mean +- t_{(1+level)/2, n-1} * sd / sqrt(n)
//
// with sd the sample standard deviation. NaN values (a measurement undefined for a seed, such as
// the accuracy of an empty bucket) are left out. With one value the bounds are NaN (there is no
// spread to estimate); with none every field is NaN and N is 0.
func Interval(values []float64, level float64) Summary {
	var finite []float64
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			finite = append(finite, v)
		}
	}
	n := len(finite)
	s := Summary{Mean: math.NaN(), Low: math.NaN(), High: math.NaN(), N: n}
	if n == 0 {
		return s
	}
	mean, sd := stat.MeanStdDev(finite, nil)
	s.Mean = mean
	if n < 2 {
		return s
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile((1 + level) / 2)
	half := t * sd / math.Sqrt(float64(n))
	s.Low, s.High = mean-half, mean+half
	return s
}
