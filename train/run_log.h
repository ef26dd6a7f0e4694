// Per-epoch training logs: a CSV table and an SVG accuracy chart of a run's proto::EpochRecord history.
#ifndef NITRO_TRAIN_RUN_LOG_H_
#define NITRO_TRAIN_RUN_LOG_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "proto/checkpoint.pb.h"

namespace nitro {

// One line per epoch under the header
//   epoch,lr_inv,train_correct,train_total,train_acc_pct,<block>_acc_pct...,val_correct,val_total,
//   val_acc_pct,test_correct,test_total,test_acc_pct,wall_ms,img_per_s
// Percentages have two decimals (integer arithmetic, rounded half up) and are empty when their
// total is 0; a block's accuracy is its head's correct count over train_total. There is one block
// column per name in `block_names`, or more if a record has more block counts (named blockN,
// 1-based). img_per_s is train_total * 1000 / wall_ms rounded down, empty when wall_ms is 0.
std::string EpochCsv(const std::vector<proto::EpochRecord>& history, const std::vector<std::string>& block_names);

// A self-contained SVG line chart of train / val / test accuracy (%) per epoch: axes with ticks
// and labels, a grid, a legend and `title`. A series is drawn only if some epoch has a non-zero
// total for it, as one <polyline> (plus a dot per point when it has a single one). The y range
// snaps to round steps around the data. All coordinates are integers.
std::string AccuracySvg(const std::vector<proto::EpochRecord>& history, absl::string_view title);

}  // namespace nitro

#endif  // NITRO_TRAIN_RUN_LOG_H_
