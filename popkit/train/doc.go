// Package train trains the policies of the experiments: a reference policy pi_ref by
// supervised fine-tuning (SFT) on chosen responses, then, starting from a copy of pi_ref, a
// policy pi_theta by margin-DPO on preference pairs.
//
// Both stages use GoMLX's trainer and Adam. Preference training needs log pi_ref(y|x) for
// every chosen and rejected response; they do not change during training, so they are computed
// once with [Model.LogProbs] and passed in ([Pairs.RefChosen], [Pairs.RefRejected]).
//
// Batches pack the chosen and rejected responses of B pairs as 2B rows of one forward pass.
// Each batch is padded only to its longest row, rounded up to a multiple of [PadMultiple], so
// short data compiles few, small graphs.
//
// [Model.Generate] samples answers from a trained policy (temperature, top-k, top-p), and
// [Model.GenerationLogProbs] scores sampled answers under another model, for the KL to the
// reference. [Config.EvalEvery] and [Config.OnEval] let a caller evaluate the policy while it
// trains, for training curves, without changing what is trained.
package train
