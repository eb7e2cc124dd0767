// Package eval measures trained policies and summarises measurements over seeds.
//
// Discriminative evaluation ([Discriminate]) asks, for each held-out preference pair, whether the
// policy's implicit margin h = beta * (rho(x, y_w) - rho(x, y_l)) is positive, and how h relates
// to the ground-truth margin m* = s_w - s_l. Generative evaluation ([EvaluateGenerations])
// compares a policy's sampled answers with the reference's under a gold judge: win rate, mean
// gold reward, a Monte-Carlo estimate of KL(pi || pi_ref), and lengths. Statistics over seeds
// ([Interval]) are means with Student-t confidence intervals.
package eval
