// Package experiment runs the paper's main comparison end to end and writes its tables and
// figure: for each seed, split the pairs, fine-tune a reference policy, simulate
// preference-over-preference labels and infer margins from them, train every margin-DPO method
// from that same reference, and evaluate each on the held-out pairs.
//
// Results are tidy rows (method, metric, seed, value) in runs.csv, rewritten atomically after
// every finished (method, seed) cell; a run started again with the same configuration and
// output directory skips the cells already there. With [Config.CurveEvery], each policy is
// also evaluated while it trains, and its training curves go to curves.csv and curves.svg.
package experiment
