// Package synth generates a synthetic preference data set with an exact gold reward, shaped
// like UltraFeedback and small enough that a byte-level language model trained from scratch on
// a laptop CPU can learn it in minutes. Everything in this package is our own construction;
// nothing here comes from the paper "Adaptive Margin RLHF via Preference over Preferences".
//
// A [World] holds prompts, several candidate responses per prompt written by hidden models of
// varied skill, each with its gold reward r*(x, y) and a noisy rating on UltraFeedback's 1-10
// scale, and one preference pair per prompt ([prefdata.Pair]) picked from the ratings. Because
// r* is exact and defined for any string, the responses a policy generates later can be scored
// exactly ([World.GoldReward]), and the gap between the noisy rating margin and the exact
// gold-reward gap ([World.GoldGap]) is known for every pair.
//
// # Prompts
//
// A prompt asks for a transformation of a short lowercase word or list, and its ideal response
// is the exact result ([ParsePrompt] gives the grammar):
//
//	reverse: lamp\n     -> pmal
//	upper: lamp\n       -> LAMP
//	sort: d b a\n       -> a b d
//	repeat 3: ab\n      -> ababab
//
// The final newline marks where the response starts. The generator draws the task uniformly,
// then the argument: for reverse and upper a word of 3-7 letters; for sort 3-6 single letters
// (repeats allowed); for repeat a count of 2-4 and a word of 2-3 letters. Letters are uniform
// over a-z. Prompts therefore have at most 18 bytes and ideal answers at most 12; the prompts
// of a world are distinct.
//
// # Hidden models
//
// Each prompt is answered by Config.Candidates models drawn without replacement from a pool of
// six (like UltraFeedback, where 4 of 17 models answer each prompt; with more candidates than
// models, the pool is drawn again, in a fresh random order, for each further six). A model
//
//   - writes nothing at all, with probability "empty", and stops; otherwise
//   - starts from the ideal answer or, when confused, from the bare argument (task ignored);
//   - may write it twice (stutter);
//   - corrupts each byte independently: drops it, or replaces it by another letter of its case
//     (a lowercase one for a space), then may insert a random letter after it;
//   - may open with a filler phrase ("Sure! ", "Here you go: "), close with another (" :)",
//     "\nhope this helps"), or both, then may ramble on for 2-4 words;
//   - cuts the result to [MaxResponseLen] bytes.
//
// The candidates of a prompt are distinct texts, as different models' answers are in
// UltraFeedback, so at most one of them is the ideal answer: a model whose text repeats an
// earlier candidate's writes again, up to 10 times, and then appends random lowercase letters
// to its last text until it is new (at MaxResponseLen bytes it replaces a random byte
// instead). The probabilities, from best model to worst (by mean gold reward):
//
//	model    confuse  typo   drop   insert  stutter  opener  closer  ramble  empty
//	expert   0.01     0.01   0.005  0.005   0.002    0.3     0.2     0.05    0
//	strong   0.02     0.03   0.015  0.015   0.005    0.4     0.3     0.1     0
//	average  0.04     0.06   0.03   0.03    0.01     0.5     0.35    0.15    0.005
//	sloppy   0.08     0.12   0.06   0.06    0.02     0.5     0.4     0.2     0.01
//	broken   0.15     0.25   0.1    0.1     0.04     0.5     0.4     0.3     0.03
//	chatty   0.02     0.02   0.01   0.01    0.005    0.9     0.7     0.4     0
//
// Typo, drop and insert are per byte; the others per response. Like the chat models of
// UltraFeedback, every model pads its answers often: about 63% of all candidates carry an
// opener, a closer or a ramble, and about half of the prompts have a perfect candidate. The
// values were tuned, with the rating map, so that the rating margins resemble the real
// sample's (see Shape below) and so that a small policy can learn from the preferences (see
// Learnability below).
//
// # Gold reward
//
// r*(x, y) in [0, 1] is a weighted sum of accuracy (character-level similarity to the ideal
// answer, weight 0.6), format (a clean one-line answer without filler, 0.25) and length
// (closeness to the ideal length, 0.15); see [Reward] for the formulas and [Score] to compute
// it. The ideal answer scores 1 and the empty response 0. Padding is expensive: "Sure! pmal"
// scores 0.24 against 1 for "pmal", since the filler costs similarity, format and length.
//
// # Ratings and pairs
//
// Each candidate gets a rating: the gold reward mapped monotonically to 1 + 8 r*^(1/8), a
// lenient grader's scale (1 for the empty response, 9 for the ideal answer, 7 already for
// r* = 0.1), plus Gaussian noise of standard deviation Config.RatingNoise (0.8 points by
// default), rounded to the nearest half point and clipped to [1, 10] (see [Rating]). A pair's
// rating margin ScoreChosen - ScoreRejected is thus a noisy, rounded, monotone image of its
// two gold rewards, and its gold gap ([World.GoldGap]) is the exact strength of the
// preference.
//
// Config.Binarize picks each prompt's pair: [BestVsRandom] (the binarized UltraFeedback rule,
// the default) or [BestVsWorst]. Ties in rating are kept, as in the real data.
//
// # Demonstrations
//
// [World.Demonstrations] gives every candidate of the training prompts as a supervised
// fine-tuning example: the unfiltered answers of the hidden models, the analogue of the
// instruction data a chat model is tuned on before preference training. A reference policy
// fine-tuned on them inherits the pool's habits (padding above all), which the preferences
// then teach it to drop.
//
// # Shape
//
// Over seeds 1-30, the default config gives rating margins with mean 1.53-1.67, 6.7-10.9%
// ties, skewness 1.8-2.3 and a largest margin of 8.5-9, against 1.90, 11.1%, 1.2 and 8 for the
// shared 1,000-pair UltraFeedback sample. The most common bin is (0, 1], as in the sample, for
// 28 of the 30 seeds (the other two put slightly more pairs in (1, 2]); TestMarginShape
// compares seeds 1-3 with the sample. Best-vs-worst pairs have a mean margin of 2.5-2.7 and at
// most 0.6% ties. The level of the ratings differs from the sample's: chosen responses average
// 9.0-9.1 here against 7.8, rejected ones 7.4-7.5 against 5.9. experiment.CompareMargins
// returns both histograms side by side, and experiment.MarginFigure draws them.
//
// # Learnability
//
// The world is built so that a byte-level decoder of two small layers, trained from scratch
// for a few hundred steps, learns something from the preferences: the hidden models' padding
// is a decision taken at the first byte of an answer (a capital opener) or right after its
// last (end, or go on), and the ratings punish it consistently, so DPO moves exactly those
// decisions, and moving them raises the gold reward. Whether the answer itself is right (the
// string transformation) is beyond such a policy in a few minutes; the gold reward still
// measures it, so longer training shows there. With the quick preset the reference pads about
// half its answers; after DPO, far fewer (see experiment.QuickSyntheticTraining for the
// numbers).
//
// # Determinism
//
// The same [Config] always gives the same world. Prompts, responses, rating noise, the
// binarization draws and the held-out prompts ([World.HeldOut]) each come from their own PCG
// stream seeded with Config.Seed, so changing RatingNoise keeps the responses, and changing
// Binarize keeps the ratings.
package synth
