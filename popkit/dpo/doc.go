// Package dpo implements the margin-DPO loss family as GoMLX graph functions, and the
// host-side rules that give each preference pair its margin offset.
//
// Notation, for a preference pair i = (x, y_w, y_l) with ratings s_w >= s_l:
//
//	rho(x, y) = log pi_theta(y|x) - log pi_ref(y|x)     (summed over response tokens)
//	h_i       = beta * (rho(x, y_w) - rho(x, y_l))       (the implicit margin)
//	l_i       = -log sigmoid(h_i - delta_i)              (margin-DPO loss, per pair)
//
// The loss is DPO (Rafailov et al., 2023, Eq. 7) with an offset delta_i subtracted from the
// implicit margin; the offset is what distinguishes the methods compared in "Adaptive Margin
// RLHF via Preference over Preferences" (Chittepu et al., 2025; arXiv 2509.22851):
//
//	dpo     DPO                    delta_i = 0
//	fixed   fixed margin           delta_i = gamma
//	gt      ground-truth margin    delta_i = alpha * (s_w - s_l)
//	pop     DPO-PoP                delta_i = alpha * clip(m_hat_i, 0, M), m_hat from PoP labels
//
// The paper's exact scales are not public: gamma, alpha and M are options here, and their
// defaults (see [Config]) are our choice. For comparison the family also holds offset DPO with
// a log-scaled gap (gt-log, delta_i = alpha * log(1 + s_w - s_l)), IPO (a squared loss) and
// conservative DPO (label smoothing); see [Config.Loss]. A positive offset asks the policy to
// separate a pair by at least delta_i before the loss saturates, so strongly preferred pairs
// are pushed further.
//
// Graph functions ([Loss], [Config.Loss], [Metrics]) take per-sequence log-probabilities, so
// they work with any policy; [Config.Offsets] computes delta on the host, once per data set, and
// passes it to the graph as an input, so the offsets never change the graph's shape.
package dpo
