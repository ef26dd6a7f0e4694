// The reference's learning-rate plateau and early-stopping rules (spec §4.2) and the exact
// accuracy comparison that selects the best epoch. Accuracies are the counts correct/total, and
// every comparison is a cross-multiplication, so no rounding is involved anywhere.
#ifndef NITRO_TRAIN_SCHEDULE_H_
#define NITRO_TRAIN_SCHEDULE_H_

#include <cstdint>

#include "proto/checkpoint.pb.h"
#include "proto/nitro.pb.h"

namespace nitro {

// correct/total > best_correct/best_total, exactly: correct·best_total > best_correct·total. A
// best with best_total == 0 (no epoch yet) is beaten by anything; a tie is not better, so the
// earlier epoch stays selected.
bool MoreAccurate(int64_t correct, int64_t total, int64_t best_correct, int64_t best_total);

// One rule of spec §4.2 (ReduceLROnPlateau or EarlyStopping), the state machine both share, over
// a proto::RuleState that a checkpoint stores. Per Step:
//   calls += 1 (1-based); nothing else happens while calls < from_epoch;
//   if acc < best + min_delta: counter += 1, and the rule fires when counter >= patience (its
//     counter then restarts at 0);
//   else: best = acc, counter = 0.
// best starts at 0/1, and is replaced only by an accuracy at least min_delta above it.
// "acc < best + min_delta" with min_delta = min_delta_bp / 10^4 is decided as
//   correct·bt·10^4 < bc·total·10^4 + min_delta_bp·total·bt   (best = bc/bt),
// which is exact; with counts below 10^6 and min_delta_bp <= 10^4 it stays far inside int64.
class ScheduleRule {
 public:
  // `state` is not owned and must outlive the rule.
  ScheduleRule(int64_t from_epoch, int64_t min_delta_bp, int64_t patience, proto::RuleState* state);
  // The model's early-stopping rule (stop_*) and plateau rule (plateau_*) over `state`.
  static ScheduleRule EarlyStop(const proto::Schedule& schedule, proto::RuleState* state);
  static ScheduleRule Plateau(const proto::Schedule& schedule, proto::RuleState* state);

  // Advances the state by one epoch's monitored accuracy correct/total (total > 0); true when the
  // rule fires in this epoch.
  bool Step(int64_t correct, int64_t total);

 private:
  int64_t from_epoch_;
  int64_t min_delta_bp_;
  int64_t patience_;
  proto::RuleState* state_;
};

// What one epoch's schedule decision did.
enum class ScheduleAction {
  kNone,
  kLrMultiplied,  // the plateau rule fired: lr_inv was multiplied by plateau_factor
  kStopped,       // early stopping fired: training is over
};

// The end-of-epoch decision in the reference's order: early stopping first (enabled when
// stop_patience > 0), and only when it did not fire the plateau rule (enabled when
// plateau_factor > 1). A disabled rule's state is left untouched, and so is the plateau state in
// the epoch in which training stops. Updates state->stop and state->plateau, and sets
// state->stopped or multiplies state->lr_inv when a rule fires.
ScheduleAction StepSchedule(const proto::Schedule& schedule, int64_t correct, int64_t total, proto::Checkpoint* state);

}  // namespace nitro

#endif  // NITRO_TRAIN_SCHEDULE_H_
