package experiment

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"

	"github.com/poprlhf/sandbox/popkit/atomicfile"
	"github.com/poprlhf/sandbox/popkit/eval"
)

// Results holds the rows of a run, one per (method, metric, seed); adding a row with the same
// key replaces the old one, so re-emitted rows never duplicate.
type Results struct {
	rows  []Row
	index map[rowKey]int
}

type rowKey struct {
	method, metric string
	seed           int
}

// NewResults returns an empty result set.
func NewResults() *Results { return &Results{index: map[rowKey]int{}} }

// Add inserts or replaces rows.
func (r *Results) Add(rows ...Row) {
	for _, row := range rows {
		k := rowKey{row.Method, row.Metric, row.Seed}
		if i, ok := r.index[k]; ok {
			r.rows[i] = row
			continue
		}
		r.index[k] = len(r.rows)
		r.rows = append(r.rows, row)
	}
}

// Rows returns the rows in the order they were first added.
func (r *Results) Rows() []Row { return slices.Clone(r.rows) }

// sortRows orders the rows by cmp, keeping rows that compare equal in their current order.
// [Results.Rows], [Results.WriteRuns] and [Results.Summarize] follow the new order.
func (r *Results) sortRows(cmp func(a, b Row) int) {
	slices.SortStableFunc(r.rows, cmp)
	for i, row := range r.rows {
		r.index[rowKey{row.Method, row.Metric, row.Seed}] = i
	}
}

// Done reports whether method has its accuracy for seed: a cell's rows are emitted together,
// so its accuracy marks it complete.
func (r *Results) Done(method string, seed int) bool {
	_, ok := r.index[rowKey{method, eval.MetricAccuracy, seed}]
	return ok
}

// runsHeader is the header of runs.csv.
var runsHeader = []string{"method", "metric", "seed", "value"}

// ReadRuns reads a runs.csv written by [Results.WriteRuns]. Errors name the file, line and
// column.
func ReadRuns(path string) (*Results, error) {
	res := NewResults()
	err := readTidyCSV(path, runsHeader, func(line int, rec []string) error {
		for k, name := range runsHeader[:2] {
			if rec[k] == "" {
				return fmt.Errorf("%s:%d: field %q: empty, expected a name", path, line, name)
			}
		}
		seed, err := strconv.Atoi(rec[2])
		if err != nil || seed < 0 {
			return fmt.Errorf("%s:%d: field \"seed\": %q is not a non-negative integer", path,
				line, rec[2])
		}
		value, err := strconv.ParseFloat(rec[3], 64)
		if err != nil {
			return fmt.Errorf("%s:%d: field \"value\": %q is not a number", path, line, rec[3])
		}
		res.Add(Row{Method: rec[0], Metric: rec[1], Seed: seed, Value: value})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// readTidyCSV reads a CSV file whose first line must be header, and calls row for every
// following record (line is 1-based; every record has len(header) fields).
func readTidyCSV(path string, header []string, row func(line int, rec []string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = len(header)
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if line == 1 {
			if !slices.Equal(rec, header) {
				return fmt.Errorf("%s:1: header %v, want %v", path, rec, header)
			}
			continue
		}
		if err := row(line, rec); err != nil {
			return err
		}
	}
}

// WriteRuns writes the rows as tidy CSV (method, metric, seed, value), atomically.
func (r *Results) WriteRuns(path string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(runsHeader)
	for _, row := range r.rows {
		_ = w.Write([]string{row.Method, row.Metric, strconv.Itoa(row.Seed), formatFloat(row.Value)})
	}
	w.Flush()
	return WriteFileAtomic(path, buf.Bytes())
}

// SummaryRow is the mean of one metric of one method over seeds, with its interval.
type SummaryRow struct {
	Method, Metric string
	eval.Summary
}

// Summarize returns one row per (method, metric), in the order they first appear, with the mean
// and the two-sided Student-t interval at the given level over seeds.
func (r *Results) Summarize(level float64) []SummaryRow {
	type key struct{ method, metric string }
	var order []key
	values := map[key][]float64{}
	for _, row := range r.rows {
		k := key{row.Method, row.Metric}
		if _, ok := values[k]; !ok {
			order = append(order, k)
		}
		values[k] = append(values[k], row.Value)
	}
	out := make([]SummaryRow, len(order))
	for i, k := range order {
		out[i] = SummaryRow{Method: k.method, Metric: k.metric,
			Summary: eval.Interval(values[k], level)}
	}
	return out
}

// WriteSummaryCSV writes method, metric, mean, ci_low, ci_high and n, atomically.
func WriteSummaryCSV(path string, rows []SummaryRow) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(summaryHeader)
	for _, s := range rows {
		_ = w.Write([]string{s.Method, s.Metric, formatFloat(s.Mean), formatFloat(s.Low),
			formatFloat(s.High), strconv.Itoa(s.N)})
	}
	w.Flush()
	return WriteFileAtomic(path, buf.Bytes())
}

// SummaryMarkdown renders the summary as a Markdown table: one row per method, one column per
// metric, each cell "mean [low, high]".
func SummaryMarkdown(rows []SummaryRow, level float64) string {
	var methods, metrics []string
	cell := map[[2]string]eval.Summary{}
	for _, s := range rows {
		if !slices.Contains(methods, s.Method) {
			methods = append(methods, s.Method)
		}
		if !slices.Contains(metrics, s.Metric) {
			metrics = append(metrics, s.Metric)
		}
		cell[[2]string{s.Method, s.Metric}] = s.Summary
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "Mean over seeds [%g%% interval, Student t]\n\n| method |", 100*level)
	for _, m := range metrics {
		fmt.Fprintf(&b, " %s |", m)
	}
	b.WriteString("\n| --- |")
	for range metrics {
		b.WriteString(" --- |")
	}
	for _, method := range methods {
		fmt.Fprintf(&b, "\n| %s |", method)
		for _, metric := range metrics {
			s, ok := cell[[2]string{method, metric}]
			switch {
			case !ok:
				b.WriteString(" |")
			case math.IsNaN(s.Low):
				fmt.Fprintf(&b, " %.3f (n=%d) |", s.Mean, s.N)
			default:
				fmt.Fprintf(&b, " %.3f [%.3f, %.3f] |", s.Mean, s.Low, s.High)
			}
		}
	}
	b.WriteString("\n")
	return b.String()
}

// formatFloat writes a float so that it reads back exactly; NaN is written "NaN".
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// WriteFileAtomic writes data to path with [atomicfile.Write]: a reader (or a run killed
// midway) sees the old file or the new one, never a part, and the file has mode 0644.
func WriteFileAtomic(path string, data []byte) error { return atomicfile.Write(path, data) }

// summaryHeader is the header of the files WriteSummaryCSV writes.
var summaryHeader = []string{"method", "metric", "mean", "ci_low", "ci_high", "n"}

// ReadSummaryCSV reads a file written by [WriteSummaryCSV]. Errors name the file, line and
// field.
func ReadSummaryCSV(path string) ([]SummaryRow, error) {
	var rows []SummaryRow
	err := readTidyCSV(path, summaryHeader, func(line int, rec []string) error {
		s := SummaryRow{Method: rec[0], Metric: rec[1]}
		for i, dst := range []*float64{&s.Mean, &s.Low, &s.High} {
			v, err := strconv.ParseFloat(rec[2+i], 64)
			if err != nil {
				return fmt.Errorf("%s:%d: field %q: %q is not a number", path, line,
					summaryHeader[2+i], rec[2+i])
			}
			*dst = v
		}
		n, err := strconv.Atoi(rec[5])
		if err != nil {
			return fmt.Errorf("%s:%d: field \"n\": %q is not an integer", path, line, rec[5])
		}
		s.N = n
		rows = append(rows, s)
		return nil
	})
	return rows, err
}
