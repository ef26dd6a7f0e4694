// The plateau / early-stopping state machine of spec §4.2 and exact accuracy comparisons.
#include "train/schedule.h"

namespace nitro {

bool MoreAccurate(int64_t correct, int64_t total, int64_t best_correct, int64_t best_total) {
  return best_total == 0 || correct * best_total > best_correct * total;
}

ScheduleRule::ScheduleRule(int64_t from_epoch, int64_t min_delta_bp, int64_t patience, proto::RuleState* state)
    : from_epoch_(from_epoch), min_delta_bp_(min_delta_bp), patience_(patience), state_(state) {}

ScheduleRule ScheduleRule::EarlyStop(const proto::Schedule& schedule, proto::RuleState* state) {
  return ScheduleRule(schedule.stop_from_epoch(), schedule.stop_min_delta_bp(), schedule.stop_patience(), state);
}

ScheduleRule ScheduleRule::Plateau(const proto::Schedule& schedule, proto::RuleState* state) {
  return ScheduleRule(schedule.plateau_from_epoch(), schedule.plateau_min_delta_bp(), schedule.plateau_patience(),
                      state);
}

bool ScheduleRule::Step(int64_t correct, int64_t total) {
  proto::RuleState& s = *state_;
  s.set_calls(s.calls() + 1);
  if (s.calls() < from_epoch_) return false;
  // The initial best 0.0 is 0/1.
  const int64_t bt = s.best_total() > 0 ? s.best_total() : 1;
  const int64_t bc = s.best_total() > 0 ? s.best_correct() : 0;
  const bool not_better = correct * bt * 10000 < bc * total * 10000 + min_delta_bp_ * total * bt;
  if (!not_better) {
    s.set_best_correct(correct);
    s.set_best_total(total);
    s.set_counter(0);
    return false;
  }
  s.set_counter(s.counter() + 1);
  if (s.counter() < patience_) return false;
  s.set_counter(0);
  return true;
}

ScheduleAction StepSchedule(const proto::Schedule& schedule, int64_t correct, int64_t total, proto::Checkpoint* state) {
  if (schedule.stop_patience() > 0 && ScheduleRule::EarlyStop(schedule, state->mutable_stop()).Step(correct, total)) {
    state->set_stopped(true);
    return ScheduleAction::kStopped;
  }
  if (schedule.plateau_factor() > 1 && ScheduleRule::Plateau(schedule, state->mutable_plateau()).Step(correct, total)) {
    state->set_lr_inv(state->lr_inv() * schedule.plateau_factor());
    return ScheduleAction::kLrMultiplied;
  }
  return ScheduleAction::kNone;
}

}  // namespace nitro
