// Tests of the spec §4.2 rules: from_epoch, exact min_delta, patience, counter resets, ties, the
// stop-before-plateau order, and the paper schedule's epochs.
#include "train/schedule.h"

#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace nitro {
namespace {

proto::RuleState State(int64_t calls, int64_t counter, int64_t best_correct, int64_t best_total) {
  proto::RuleState s;
  s.set_calls(calls);
  s.set_counter(counter);
  s.set_best_correct(best_correct);
  s.set_best_total(best_total);
  return s;
}

void ExpectState(const proto::RuleState& s, int64_t calls, int64_t counter, int64_t best_correct, int64_t best_total) {
  EXPECT_EQ(s.calls(), calls);
  EXPECT_EQ(s.counter(), counter);
  EXPECT_EQ(s.best_correct(), best_correct);
  EXPECT_EQ(s.best_total(), best_total);
}

TEST(MoreAccurateTest, ComparesExactly) {
  EXPECT_TRUE(MoreAccurate(0, 10, 0, 0));  // no best yet
  EXPECT_TRUE(MoreAccurate(2, 3, 666, 1000));
  EXPECT_FALSE(MoreAccurate(666, 1000, 2, 3));
  EXPECT_TRUE(MoreAccurate(667, 1000, 2, 3));
  EXPECT_FALSE(MoreAccurate(1, 2, 500, 1000));  // a tie keeps the earlier epoch
  EXPECT_FALSE(MoreAccurate(500, 1000, 1, 2));
}

TEST(ScheduleRuleTest, NoTrackingBeforeFromEpoch) {
  proto::RuleState s;
  ScheduleRule rule(/*from_epoch=*/3, /*min_delta_bp=*/100, /*patience=*/1, &s);
  EXPECT_FALSE(rule.Step(0, 10));
  ExpectState(s, 1, 0, 0, 0);
  EXPECT_FALSE(rule.Step(0, 10));
  ExpectState(s, 2, 0, 0, 0);
  // Epoch 3 is the first tracked one: 5/10 >= 0 + 1 pp is an improvement over the initial 0.
  EXPECT_FALSE(rule.Step(5, 10));
  ExpectState(s, 3, 0, 5, 10);
  EXPECT_TRUE(rule.Step(5, 10));  // patience 1: the first epoch without improvement fires
  ExpectState(s, 4, 0, 5, 10);
}

TEST(ScheduleRuleTest, ZeroAccuracyIsNoImprovementOverTheInitialBest) {
  proto::RuleState s;
  ScheduleRule rule(1, 100, 2, &s);
  EXPECT_FALSE(rule.Step(0, 10));
  ExpectState(s, 1, 1, 0, 0);  // 0 < 0 + 1 pp; the best stays the initial 0/1
  EXPECT_TRUE(rule.Step(0, 10));
  ExpectState(s, 2, 0, 0, 0);
}

TEST(ScheduleRuleTest, MinDeltaIsDecidedExactly) {
  // best 51/100 = 0.51; best + 1 pp = 0.52 exactly (0.51 + 0.01 is not 0.52 in float64).
  proto::RuleState s = State(5, 0, 51, 100);
  ScheduleRule rule(1, 100, 10, &s);
  EXPECT_FALSE(rule.Step(1039, 2000));  // 0.5195 < 0.52: no improvement
  ExpectState(s, 6, 1, 51, 100);
  EXPECT_FALSE(rule.Step(104, 200));  // 0.52 is not < 0.52: an improvement, the new best
  ExpectState(s, 7, 0, 104, 200);
  // An accuracy above the best by less than min_delta does not replace it.
  EXPECT_FALSE(rule.Step(5299, 10000));
  ExpectState(s, 8, 1, 104, 200);
}

TEST(ScheduleRuleTest, ZeroMinDeltaTieIsAnImprovement) {
  proto::RuleState s = State(1, 2, 1, 2);
  ScheduleRule rule(1, 0, 3, &s);
  EXPECT_FALSE(rule.Step(2, 4));  // 2/4 == 1/2: not <, so the counter restarts and the best is 2/4
  ExpectState(s, 2, 0, 2, 4);
  EXPECT_FALSE(rule.Step(49, 100));
  ExpectState(s, 3, 1, 2, 4);
}

TEST(ScheduleRuleTest, PatienceCountsAndRestarts) {
  proto::RuleState s = State(0, 0, 9, 10);
  ScheduleRule rule(1, 100, 3, &s);
  std::vector<bool> fired;
  for (int i = 0; i < 7; ++i) fired.push_back(rule.Step(9, 10));
  EXPECT_EQ(fired, (std::vector<bool>{false, false, true, false, false, true, false}));
  ExpectState(s, 7, 1, 9, 10);
}

TEST(ScheduleRuleTest, ImprovementResetsTheCounter) {
  proto::RuleState s = State(0, 0, 50, 100);
  ScheduleRule rule(1, 100, 3, &s);
  EXPECT_FALSE(rule.Step(50, 100));
  EXPECT_FALSE(rule.Step(50, 100));
  ExpectState(s, 2, 2, 50, 100);
  EXPECT_FALSE(rule.Step(60, 100));
  ExpectState(s, 3, 0, 60, 100);
  EXPECT_FALSE(rule.Step(60, 100));
  EXPECT_FALSE(rule.Step(60, 100));
  EXPECT_TRUE(rule.Step(60, 100));
}

TEST(ScheduleRuleTest, ReadsTheModelSchedule) {
  proto::Schedule sc;
  sc.set_stop_from_epoch(2);
  sc.set_stop_min_delta_bp(500);
  sc.set_stop_patience(1);
  sc.set_plateau_from_epoch(1);
  sc.set_plateau_min_delta_bp(0);
  sc.set_plateau_patience(2);
  proto::RuleState stop, plateau;
  ScheduleRule es = ScheduleRule::EarlyStop(sc, &stop);
  ScheduleRule lr = ScheduleRule::Plateau(sc, &plateau);
  EXPECT_FALSE(es.Step(5, 10));   // before from_epoch 2
  EXPECT_FALSE(es.Step(5, 10));   // 0.5 >= 0 + 5 pp
  EXPECT_TRUE(es.Step(54, 100));  // 0.54 < 0.55, patience 1
  EXPECT_FALSE(lr.Step(5, 10));
  EXPECT_FALSE(lr.Step(4, 10));
  EXPECT_TRUE(lr.Step(4, 10));
}

proto::Schedule PaperSchedule() {
  proto::Schedule sc;
  sc.set_plateau_factor(3);
  sc.set_plateau_min_delta_bp(100);
  sc.set_plateau_patience(15);
  sc.set_plateau_from_epoch(10);
  sc.set_stop_min_delta_bp(100);
  sc.set_stop_patience(35);
  sc.set_stop_from_epoch(30);
  return sc;
}

TEST(StepScheduleTest, PaperScheduleOnAFlatAccuracy) {
  // Spec §4.2: the first reduction at epoch 25, then 40 and 55, and the earliest stop at 65.
  const proto::Schedule sc = PaperSchedule();
  proto::Checkpoint state;
  state.set_lr_inv(512);
  std::vector<std::pair<int, ScheduleAction>> events;
  for (int epoch = 1; epoch <= 100 && !state.stopped(); ++epoch) {
    const ScheduleAction a = StepSchedule(sc, 9000, 10000, &state);
    if (a != ScheduleAction::kNone) events.emplace_back(epoch, a);
  }
  const std::vector<std::pair<int, ScheduleAction>> want = {{25, ScheduleAction::kLrMultiplied},
                                                            {40, ScheduleAction::kLrMultiplied},
                                                            {55, ScheduleAction::kLrMultiplied},
                                                            {65, ScheduleAction::kStopped}};
  EXPECT_EQ(events, want);
  EXPECT_EQ(state.lr_inv(), 512 * 27);
  EXPECT_TRUE(state.stopped());
  EXPECT_EQ(state.stop().calls(), 65);
  EXPECT_EQ(state.plateau().calls(), 64);  // not stepped in the epoch that stopped
}

TEST(StepScheduleTest, StopIsDecidedBeforeThePlateau) {
  proto::Schedule sc;
  sc.set_plateau_factor(3);
  sc.set_plateau_patience(1);
  sc.set_plateau_min_delta_bp(100);
  sc.set_stop_patience(1);
  sc.set_stop_min_delta_bp(100);
  proto::Checkpoint state;
  state.set_lr_inv(512);
  *state.mutable_stop() = State(4, 0, 9, 10);
  *state.mutable_plateau() = State(4, 0, 9, 10);
  // Both rules would fire on 9/10; only early stopping does, and the plateau state is unchanged.
  EXPECT_EQ(StepSchedule(sc, 9, 10, &state), ScheduleAction::kStopped);
  EXPECT_TRUE(state.stopped());
  EXPECT_EQ(state.lr_inv(), 512);
  ExpectState(state.stop(), 5, 0, 9, 10);
  ExpectState(state.plateau(), 4, 0, 9, 10);
}

TEST(StepScheduleTest, DisabledRulesKeepTheirState) {
  proto::Schedule sc;
  sc.set_plateau_factor(2);
  sc.set_plateau_patience(1);
  sc.set_stop_patience(0);  // early stopping off
  proto::Checkpoint state;
  state.set_lr_inv(100);
  *state.mutable_plateau() = State(1, 0, 5, 10);
  EXPECT_EQ(StepSchedule(sc, 4, 10, &state), ScheduleAction::kLrMultiplied);
  EXPECT_EQ(state.lr_inv(), 200);
  EXPECT_FALSE(state.stopped());
  ExpectState(state.stop(), 0, 0, 0, 0);
  ExpectState(state.plateau(), 2, 0, 5, 10);

  sc.set_plateau_factor(1);  // the plateau schedule off
  EXPECT_EQ(StepSchedule(sc, 4, 10, &state), ScheduleAction::kNone);
  EXPECT_EQ(state.lr_inv(), 200);
  ExpectState(state.plateau(), 2, 0, 5, 10);
}

}  // namespace
}  // namespace nitro
