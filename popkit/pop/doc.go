// Package pop simulates preference-over-preference (PoP) labels and infers per-pair margins
// from them.
//
// A PoP label compares two preference pairs i and j, each (x, y_w, y_l), and says which one
// expresses the stronger preference. "Adaptive Margin RLHF via Preference over Preferences"
// (Chittepu et al., 2025; arXiv 2509.22851) simulates such labels from UltraFeedback's score
// gaps, flips each label with a constant probability to model annotator noise, and turns the
// ordinal signal into per-example margins delta_i inside DPO,
//
//	l_i = -log sigmoid(h_i - delta_i).
//
// The package works on indices 0..n-1 into a list of preference pairs and on per-pair
// strengths s_i (usually the ground-truth margins m*_i = s_w - s_l); it knows nothing else
// about the pairs.
//
// # Our formulation
//
// The paper's exact procedure is not public. Everything below is our own formulation, chosen to
// be simple and inspectable; each step is an option of its own.
//
// Simulation ([SimulateRandom]). K rounds; each round draws a uniformly random perfect matching
// of the n preferences and compares matched neighbours. An oracle labels each comparison from
// the strengths, then [Noise] perturbs the label: a constant flip probability p (the paper's
// model), or Bradley-Terry noise with temperature tau,
//
//	P(i labelled stronger than j) = sigmoid((s_i - s_j) / tau).
//
// Equal strengths are ties, handled by a [TiePolicy] (half a win each way, or dropped).
//
// Margin inference ([FitBradleyTerry], [Calibrate], [InferMargins]). A Bradley-Terry model
// gives each preference a latent strength u_i with
//
//	P(i stronger than j) = sigmoid(u_i - u_j),
//
// fitted by maximum a posteriori under a Gaussian (ridge) prior with L-BFGS. The scores are then
// mapped linearly to margin units so that they have a target mean and standard deviation
// (by default those of the training set's rating margins), and clipped to [0, M].
//
// Sampling strategies ([Draw], [Strategy]) spend the same budget of about n*K/2 comparisons in
// two ways. What the paper's public reviews say: "iterative" keeps weak pairs about as frequent
// in training as in the data and favours accuracy; with "random", strong preferences appear
// more often in training, and it favours generation. Our rules: Random compares random
// partners ([SimulateRandom]) and trains on the winner of each comparison, so stronger
// preferences are over-represented; Iterative starts from one random round, then refits
// Bradley-Terry scores after each round and compares neighbours in score order (close margins),
// and trains on every pair once. [BucketShares] and [TertileCuts] describe the margin
// distribution of the training set a strategy produces.
//
// # Label files
//
// Labels made outside the simulation (human or LLM-judge annotations) are read from CSV files
// with a header "stronger,weaker" (optionally ",tie") and one pair of preference ids per line
// ([ParseLabels], [ParseLabelsCollectIDs]); [WriteLabels] exports simulated labels in the same
// format. The format is ours: the paper publishes none.
package pop
