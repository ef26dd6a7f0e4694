#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "graph/loader.h"
#include "graph/status_macros.h"
#include "passes/compile.h"
#include "io/atomic_file.h"
#include "dataset/augment.h"
#include "train/checkpoint.h"
#include "random/default_random.h"
#include "random/numpy_random.h"
#include "train/param_init.h"
#include "train/progress.h"
#include "random/random_ops.h"
#include "train/run_log.h"
#include "io/sha256.h"

namespace nitro {

namespace {

constexpr char kCheckpointFile[] = "checkpoint.pb";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The reference's plateau / early-stopping state machine (spec §4.2) on exact accuracies
// correct/total. Returns true when the rule fires. "acc < best + min_delta" is decided by
// cross-multiplication, so no rounding is involved.
bool StepRule(proto::RuleState* s, int64_t correct, int64_t total, int64_t from_epoch, int64_t min_delta_bp,
              int64_t patience) {
  s->set_calls(s->calls() + 1);
  if (s->calls() < from_epoch) return false;
  const int64_t bt = s->best_total() > 0 ? s->best_total() : 1;
  const int64_t bc = s->best_total() > 0 ? s->best_correct() : 0;
  const bool not_better = correct * bt * 10000 < bc * total * 10000 + min_delta_bp * total * bt;
  if (not_better) {
    s->set_counter(s->counter() + 1);
    if (s->counter() >= patience) {
      s->set_counter(0);
      return true;
    }
    return false;
  }
  s->set_best_correct(correct);
  s->set_best_total(total);
  s->set_counter(0);
  return false;
}

// correct/total compared exactly: a/b > c/d.
bool Better(int64_t a, int64_t b, int64_t c, int64_t d) { return d == 0 || a * d > c * b; }

}  // namespace

const char* ProtocolName(Protocol p) { return p == Protocol::kPaper ? "paper" : "honest"; }
const char* RngKindName(RngKind r) { return r == RngKind::kNumpy ? "numpy" : "default"; }

Trainer::~Trainer() = default;

absl::StatusOr<std::unique_ptr<Trainer>> Trainer::Create(const TrainOptions& options,
                                                        std::optional<DatasetSplits> data) {
  std::unique_ptr<Trainer> t(new Trainer());
  t->options_ = options;
  RETURN_IF_ERROR(t->Prepare(std::move(data)));
  return t;
}

absl::Status Trainer::Prepare(std::optional<DatasetSplits> data) {
  const TrainOptions& o = options_;
  {
    std::ifstream in(o.model_path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat(o.model_path, ": cannot open the model file"));
    std::stringstream ss;
    ss << in.rdbuf();
    model_text_ = ss.str();
  }
  ASSIGN_OR_RETURN(ParsedModel parsed, ParseModelText(model_text_, o.model_path));
  const proto::Train& tc = parsed.model.train();
  batch_ = tc.batch_size() > 0 ? tc.batch_size() : 64;
  max_epochs_ = o.epochs > 0 ? o.epochs : (tc.epochs() > 0 ? tc.epochs() : 1);
  BuildOptions bo;
  bo.source = o.model_path;
  bo.batch_size = batch_;
  bo.node_lines = parsed.node_lines;
  ASSIGN_OR_RETURN(Graph model, BuildGraph(parsed.model, bo));
  model_ = std::make_unique<Graph>(std::move(model));

  // Training and inference graphs.
  CompileOptions co;
  co.local_gradient.single_visit = o.single_visit;
  ASSIGN_OR_RETURN(CompiledGraphs compiled, CompileTrainingGraph(*model_, co));
  train_graph_ = std::move(compiled.train);
  infer_graph_ = std::move(compiled.inference);
  ASSIGN_OR_RETURN(train_plan_, Plan::Create(train_graph_.get()));
  ASSIGN_OR_RETURN(infer_plan_, Plan::Create(infer_graph_.get()));
  const int threads = o.threads > 0 ? o.threads : static_cast<int>(std::thread::hardware_concurrency());
  train_exec_ = std::make_unique<FlowExecutor>(train_plan_.get(), threads);
  infer_exec_ = std::make_unique<FlowExecutor>(infer_plan_.get(), threads);

  // Bindings.
  for (const auto& in : model_->model().input()) {
    if (in.role() == proto::FEATURES && image_input_.empty()) image_input_ = in.name();
    if (in.role() == proto::TARGETS && target_input_.empty()) target_input_ = in.name();
  }
  if (image_input_.empty() || target_input_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(o.model_path, ": a trainable model needs a FEATURES input and a TARGETS input"));
  }
  output_ = model_->model().output(0);
  for (const auto& b : model_->model().block()) {
    for (size_t i = 0; i < model_->nodes().size(); ++i) {
      const proto::Node& n = model_->nodes()[i];
      if (n.block() != b.name() || !model_->op(i).is_loss() || n.out_size() < 2) continue;
      if (n.in(0) == output_) {
        train_correct_value_ = n.out(1);
        train_loss_value_ = n.out(0);
      } else {
        block_names_.push_back(b.name());
        block_correct_values_.push_back(n.out(1));
      }
    }
  }
  for (const auto& p : model_->model().param()) param_names_.push_back(p.name());

  // Random stream, then data (the load shuffle draws first, as in the reference).
  const int64_t seed = o.seed >= 0 ? o.seed : tc.seed();
  if (o.rng == RngKind::kNumpy) {
    rng_ = std::make_unique<NumpyRandom>(static_cast<uint32_t>(seed));
  } else {
    rng_ = std::make_unique<DefaultRandom>(static_cast<uint64_t>(seed));
  }
  if (!data) {
    if (tc.dataset().empty()) return absl::InvalidArgumentError(absl::StrCat(o.model_path, ": train.dataset is not set"));
    const std::string dir = o.data_dir.empty() ? DefaultDatasetDir(tc.dataset()) : o.data_dir;
    ASSIGN_OR_RETURN(DatasetSplits loaded, LoadDataset(tc.dataset(), dir));
    data = std::move(loaded);
  }
  const Shape want = model_->value(image_input_).type.shape;
  const Shape have = {batch_, data->train.c, data->train.h, data->train.w};
  if (want != have) {
    return absl::InvalidArgumentError(absl::StrCat(o.model_path, ": input '", image_input_, "' expects ", ShapeString(want),
                                                   " per batch but the data have images of ", data->train.c, "x",
                                                   data->train.h, "x", data->train.w));
  }
  PreprocessOptions po;
  if (tc.norm_stat_samples() > 0) po.stats_samples = tc.norm_stat_samples();
  if (tc.norm_scale() > 0) po.scale = tc.norm_scale();
  if (tc.one_hot_value() > 0) po.one_hot_value = tc.one_hot_value();
  po.num_classes = model_->value(target_input_).type.shape.back();
  ASSIGN_OR_RETURN(PreprocessedData prep, Preprocess(*data, *rng_, po));
  if (o.protocol == Protocol::kHonest) {
    ASSIGN_OR_RETURN(HeldOutData split, HeldOutSplit(prep, o.val_size));
    train_x_ = std::move(split.train_x);
    train_y_ = std::move(split.train_y);
    train_labels_ = std::move(split.train_labels);
    val_x_ = std::move(split.val_x);
    val_labels_ = std::move(split.val_labels);
  } else {
    train_x_ = std::move(prep.train_x);
    train_y_ = std::move(prep.train_y);
    train_labels_ = std::move(prep.train_labels);
  }
  test_x_ = std::move(prep.test_x);
  test_labels_ = std::move(prep.test_labels);
  if (train_x_.dim(0) < batch_) {
    return absl::InvalidArgumentError(absl::StrCat("the training set has fewer samples than one batch of ", batch_));
  }

  // Fresh state, then either initialise or restore.
  state_.set_model_name(model_->model().name());
  state_.set_model_sha256(Sha256Hex(model_text_));
  state_.set_protocol(ProtocolName(o.protocol));
  state_.set_single_visit(o.single_visit);
  state_.set_per_sample_augment(o.per_sample_augment);
  state_.set_val_size(o.protocol == Protocol::kHonest ? o.val_size : 0);
  state_.set_max_batches(o.max_batches);
  state_.set_rng_kind(RngKindName(o.rng));
  state_.set_seed(seed);
  state_.set_lr_inv(tc.lr_inv() > 0 ? tc.lr_inv() : 512);
  for (int64_t i = 0; i < train_x_.dim(0); ++i) state_.add_order(i);
  if (o.resume) {
    const std::string path = absl::StrCat(o.out_dir, "/", kCheckpointFile);
    ASSIGN_OR_RETURN(proto::Checkpoint ckpt, ReadCheckpoint(path));
    return Restore(ckpt);
  }
  for (const auto& p : model_->model().param()) {  // declaration order = the reference's draw order
    ASSIGN_OR_RETURN(Tensor w, InitParam(p, *rng_));
    RETURN_IF_ERROR(train_plan_->Set(p.name(), w));
  }
  return rng_->status();
}

absl::Status Trainer::Restore(const proto::Checkpoint& c) {
  const std::string where = absl::StrCat(options_.out_dir, "/", kCheckpointFile);
  if (c.model_sha256() != state_.model_sha256()) {
    return absl::FailedPreconditionError(absl::StrCat(where, ": was written for another version of the model (",
                                                      c.model_name(), "); start a new run with another --out"));
  }
  if (c.protocol() != state_.protocol() || c.rng_kind() != state_.rng_kind() || c.seed() != state_.seed()) {
    return absl::FailedPreconditionError(absl::StrCat(where, ": was written with --protocol=", c.protocol(), " --rng=",
                                                      c.rng_kind(), " --seed=", c.seed(), "; resume with the same flags"));
  }
  if (c.single_visit() != state_.single_visit() || c.per_sample_augment() != state_.per_sample_augment() ||
      c.val_size() != state_.val_size() || c.max_batches() != state_.max_batches()) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, ": was written with", c.single_visit() ? " --single-visit" : "",
        c.per_sample_augment() ? " --per-sample-augment" : "", c.val_size() ? absl::StrCat(" --val-size=", c.val_size()) : "",
        c.max_batches() ? absl::StrCat(" --max-batches=", c.max_batches()) : "", "; resume with the same flags"));
  }
  if (c.order_size() != state_.order_size()) {
    return absl::FailedPreconditionError(absl::StrCat(where, ": holds ", c.order_size(), " sample indices, the data have ",
                                                      state_.order_size(), " training samples (another data set or ",
                                                      "--val-size?); resume with the same data and flags"));
  }
  std::vector<bool> seen(c.order_size(), false);
  for (int64_t v : c.order()) {
    if (v < 0 || v >= state_.order_size()) return absl::DataLossError(absl::StrCat(where, ": sample index out of range"));
    if (seen[v]) return absl::DataLossError(absl::StrCat(where, ": the sample order is not a permutation"));
    seen[v] = true;
  }
  if (c.epochs_done() < 0 || c.history_size() != c.epochs_done()) {
    return absl::DataLossError(absl::StrCat(where, ": holds ", c.history_size(), " epoch records for ", c.epochs_done(),
                                            " epochs done"));
  }
  if (c.best_epoch() < (c.epochs_done() > 0 ? 1 : 0) || c.best_epoch() > c.epochs_done()) {
    return absl::DataLossError(absl::StrCat(where, ": best epoch ", c.best_epoch(), " is not one of the ",
                                            c.epochs_done(), " epochs done"));
  }
  if (c.lr_inv() <= 0) return absl::DataLossError(absl::StrCat(where, ": lr_inv ", c.lr_inv(), " is not positive"));
  // Everything is checked before anything is changed.
  RETURN_IF_ERROR(CheckParams(c.param(), where, "parameter", /*set=*/false));
  if (c.best_epoch() > 0) RETURN_IF_ERROR(CheckParams(c.best_param(), where, "best parameter", /*set=*/false));
  absl::Status rng = rng_->LoadState(c.rng_state());
  if (!rng.ok()) return absl::DataLossError(absl::StrCat(where, ": ", rng.message()));
  RETURN_IF_ERROR(CheckParams(c.param(), where, "parameter", /*set=*/true));
  state_ = c;
  return absl::OkStatus();
}

absl::Status Trainer::CheckParams(const google::protobuf::RepeatedPtrField<proto::TensorData>& stored,
                                  const std::string& where, const char* what, bool set) {
  for (const auto& name : param_names_) {
    bool found = false;
    for (const auto& tp : stored) {
      if (tp.name() != name) continue;
      absl::StatusOr<Tensor> t = TensorFromProto(tp);
      if (!t.ok()) return absl::DataLossError(absl::StrCat(where, ": ", what, " ", t.status().message()));
      const Tensor* dst = train_plan_->Find(name);
      if (t->dtype() != dst->dtype() || t->shape() != dst->shape()) {
        return absl::DataLossError(absl::StrCat(where, ": ", what, " '", name, "' is ", DTypeName(t->dtype()), " ",
                                                ShapeString(t->shape()), ", the model has ", DTypeName(dst->dtype()), " ",
                                                ShapeString(dst->shape())));
      }
      if (set) RETURN_IF_ERROR(train_plan_->Set(name, *t));
      found = true;
    }
    if (!found) return absl::DataLossError(absl::StrCat(where, ": ", what, " '", name, "' is missing"));
  }
  return absl::OkStatus();
}

absl::Status Trainer::SetInitialParams(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                       absl::string_view source) {
  if (state_.epochs_done() > 0) {
    return absl::FailedPreconditionError(absl::StrCat(source, ": initial parameters can only replace a fresh run's"));
  }
  for (const auto& name : param_names_) {
    const Tensor* found = nullptr;
    for (const auto& [n, t] : tensors) {
      if (n == name) found = &t;
    }
    if (!found) return absl::InvalidArgumentError(absl::StrCat(source, ": has no tensor for parameter '", name, "'"));
    const Tensor* dst = train_plan_->Find(name);
    if (found->dtype() != dst->dtype() || found->shape() != dst->shape()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": tensor '", name, "' is ", DTypeName(found->dtype()), " ",
                                                     ShapeString(found->shape()), ", the model needs ",
                                                     DTypeName(dst->dtype()), " ", ShapeString(dst->shape())));
    }
  }
  for (const auto& name : param_names_) {
    for (const auto& [n, t] : tensors) {
      if (n == name) RETURN_IF_ERROR(train_plan_->Set(name, t));
    }
  }
  return absl::OkStatus();
}

absl::Status Trainer::LoadParams(const proto::Checkpoint& c, bool best) {
  const std::string where = absl::StrCat("checkpoint of ", c.model_name().empty() ? "?" : c.model_name());
  if (c.model_sha256() != state_.model_sha256()) {
    return absl::FailedPreconditionError(absl::StrCat(where, ": was written for another model, or another version ",
                                                      "of it, than ", options_.model_path, " (their SHA-256 differ)"));
  }
  if (c.rng_kind() != state_.rng_kind() || c.seed() != state_.seed()) {
    return absl::FailedPreconditionError(absl::StrCat(where, ": was trained with --rng=", c.rng_kind(), " --seed=",
                                                      c.seed(), ", which the test-set preprocessing depends on; ",
                                                      "evaluate with the same"));
  }
  const auto& stored = best ? c.best_param() : c.param();
  if (stored.empty()) return absl::FailedPreconditionError(absl::StrCat(where, ": no epoch has been trained"));
  RETURN_IF_ERROR(CheckParams(stored, where, best ? "best parameter" : "parameter", /*set=*/false));
  return CheckParams(stored, where, best ? "best parameter" : "parameter", /*set=*/true);
}

std::vector<std::pair<std::string, const Tensor*>> Trainer::Params() const {
  std::vector<std::pair<std::string, const Tensor*>> out;
  for (const auto& n : param_names_) out.push_back({n, train_plan_->Find(n)});
  return out;
}

void Trainer::CopyParamsToInference(bool best) {
  for (const auto& p : infer_graph_->model().param()) {
    Tensor* dst = infer_plan_->Find(p.name());
    if (best) {
      for (const auto& tp : state_.best_param()) {
        if (tp.name() == p.name() && static_cast<int64_t>(tp.data().size()) == dst->bytes()) {
          std::memcpy(dst->raw(), tp.data().data(), dst->bytes());
        }
      }
    } else {
      const Tensor* src = train_plan_->Find(p.name());
      std::memcpy(dst->raw(), src->raw(), src->bytes());
    }
  }
}

absl::Status Trainer::Evaluate(const Tensor& x, const std::vector<uint8_t>& labels, int64_t n, bool drop_remainder,
                               EvalResult* result) {
  Tensor* image = infer_plan_->Find(image_input_);
  const Tensor* pred = infer_plan_->Find(output_);
  const int64_t row = x.bytes() / x.dim(0);
  const int64_t classes = pred->dim(1);
  const int64_t batches = drop_remainder ? n / batch_ : (n + batch_ - 1) / batch_;
  *result = EvalResult{};
  for (int64_t b = 0; b < batches; ++b) {
    const int64_t start = b * batch_;
    const int64_t count = std::min(batch_, n - start);
    std::memset(image->raw(), 0, image->bytes());
    std::memcpy(image->raw(), static_cast<const int8_t*>(x.raw()) + start * row, count * row);
    RETURN_IF_ERROR(infer_exec_->Run(/*training=*/false, nullptr));
    const int8_t* p = pred->data<int8_t>();
    for (int64_t i = 0; i < count; ++i) {
      int64_t arg = 0;  // first maximum
      for (int64_t k = 1; k < classes; ++k) {
        if (p[i * classes + k] > p[i * classes + arg]) arg = k;
      }
      result->correct += (arg == labels[start + i]);
    }
    result->total += count;
  }
  return absl::OkStatus();
}

absl::StatusOr<EvalResult> Trainer::EvaluateTest(bool all) {
  CopyParamsToInference(false);
  EvalResult r;
  RETURN_IF_ERROR(Evaluate(test_x_, test_labels_, test_x_.dim(0), !all, &r));
  return r;
}

absl::StatusOr<EvalResult> Trainer::FinalTest() {
  if (options_.protocol == Protocol::kPaper) {
    for (const auto& e : state_.history()) {
      if (e.epoch() == state_.best_epoch()) return EvalResult{e.test_correct(), e.test_total()};
    }
    return absl::FailedPreconditionError("no epoch has been trained");
  }
  if (state_.best_param_size() == 0) return absl::FailedPreconditionError("no epoch has been trained");
  CopyParamsToInference(true);
  EvalResult r;
  RETURN_IF_ERROR(Evaluate(test_x_, test_labels_, test_x_.dim(0), /*drop_remainder=*/false, &r));
  return r;
}

absl::StatusOr<bool> Trainer::RunEpoch() {
  if (state_.stopped() || state_.epochs_done() >= max_epochs_) return false;
  const int64_t epoch = state_.epochs_done() + 1;
  const int64_t n = train_x_.dim(0);
  const int64_t row = train_x_.bytes() / n;
  const int64_t trow = train_y_.bytes() / n;
  const proto::Train& tc = model_->model().train();

  // Per-epoch shuffle of the (already shuffled) training arrays: order = order[perm].
  std::vector<int64_t> perm(n);
  for (int64_t i = 0; i < n; ++i) perm[i] = i;
  ShuffleSpan(*rng_, absl::MakeSpan(perm));
  std::vector<int64_t> order(state_.order().begin(), state_.order().end());
  for (int64_t i = 0; i < n; ++i) state_.set_order(i, order[perm[i]]);

  AugmentOptions aug;
  aug.crop = tc.augment().crop_size() > 0;
  aug.crop_padding = tc.augment().crop_padding();
  aug.flip = tc.augment().hflip();
  aug.per_sample = tc.augment().per_sample() || options_.per_sample_augment;
  const bool augment = aug.crop || aug.flip;

  Tensor* image = train_plan_->Find(image_input_);
  Tensor* target = train_plan_->Find(target_input_);
  Tensor* lr = train_plan_->Find(kLrInvInput);
  lr->data<int64_t>()[0] = state_.lr_inv();
  const Tensor* correct_v = train_plan_->Find(train_correct_value_);
  const Tensor* loss_v = train_loss_value_.empty() ? nullptr : train_plan_->Find(train_loss_value_);
  std::vector<const Tensor*> block_v;
  for (const auto& v : block_correct_values_) block_v.push_back(train_plan_->Find(v));

  int64_t batches = n / batch_;  // the last partial batch is dropped
  if (options_.max_batches > 0 && options_.max_batches < batches) batches = options_.max_batches;
  ProgressReporter progress(options_.log, options_.interactive);
  if (options_.log) progress.StartEpoch(epoch, max_epochs_, batches);
  proto::EpochRecord rec;
  rec.set_epoch(epoch);
  rec.set_lr_inv(state_.lr_inv());
  std::vector<int64_t> block_correct(block_v.size(), 0);
  const int64_t t0 = NowMs();
  for (int64_t b = 0; b < batches; ++b) {
    int8_t* img = image->data<int8_t>();
    int8_t* tgt = target->data<int8_t>();
    for (int64_t i = 0; i < batch_; ++i) {
      const int64_t src = state_.order(b * batch_ + i);
      std::memcpy(img + i * row, static_cast<const int8_t*>(train_x_.raw()) + src * row, row);
      std::memcpy(tgt + i * trow, static_cast<const int8_t*>(train_y_.raw()) + src * trow, trow);
    }
    if (augment) RETURN_IF_ERROR(AugmentBatch(aug, *rng_, *image));
    RETURN_IF_ERROR(train_exec_->Run(/*training=*/true, rng_.get()));
    RETURN_IF_ERROR(rng_->status());
    train_plan_->CommitUpdates();
    rec.set_train_correct(rec.train_correct() + correct_v->data<int64_t>()[0]);
    rec.set_train_total(rec.train_total() + batch_);
    if (loss_v) rec.set_loss_sum(rec.loss_sum() + loss_v->data<int64_t>()[0]);
    for (size_t k = 0; k < block_v.size(); ++k) block_correct[k] += block_v[k]->data<int64_t>()[0];
    if (options_.log) progress.Update(b + 1, (b + 1) * batch_, rec.train_correct(), NowMs() - t0);
  }
  rec.set_wall_ms(NowMs() - t0);
  for (int64_t c : block_correct) rec.add_block_correct(c);

  // Evaluation and model selection.
  int64_t mon_correct = 0, mon_total = 0;
  if (options_.protocol == Protocol::kPaper) {
    ASSIGN_OR_RETURN(EvalResult test, EvaluateTest(/*all=*/false));
    rec.set_test_correct(test.correct);
    rec.set_test_total(test.total);
    mon_correct = test.correct;
    mon_total = test.total;
  } else {
    CopyParamsToInference(false);
    EvalResult val;
    RETURN_IF_ERROR(Evaluate(val_x_, val_labels_, val_x_.dim(0), /*drop_remainder=*/false, &val));
    rec.set_val_correct(val.correct);
    rec.set_val_total(val.total);
    mon_correct = val.correct;
    mon_total = val.total;
  }
  int64_t best_c = 0, best_t = 0;
  for (const auto& e : state_.history()) {
    if (e.epoch() != state_.best_epoch()) continue;
    best_c = options_.protocol == Protocol::kPaper ? e.test_correct() : e.val_correct();
    best_t = options_.protocol == Protocol::kPaper ? e.test_total() : e.val_total();
  }
  if (state_.best_epoch() == 0 || Better(mon_correct, mon_total, best_c, best_t)) {
    state_.set_best_epoch(epoch);
    state_.clear_best_param();
    for (const auto& [name, t] : Params()) *state_.add_best_param() = TensorToProto(name, *t);
  }
  *state_.add_history() = rec;
  state_.set_epochs_done(epoch);

  // Early stopping first, then the plateau schedule (the reference's order).
  const proto::Schedule& sc = tc.schedule();
  if (sc.stop_patience() > 0 &&
      StepRule(state_.mutable_stop(), mon_correct, mon_total, sc.stop_from_epoch(), sc.stop_min_delta_bp(),
               sc.stop_patience())) {
    state_.set_stopped(true);
  } else if (sc.plateau_factor() > 1 &&
             StepRule(state_.mutable_plateau(), mon_correct, mon_total, sc.plateau_from_epoch(),
                      sc.plateau_min_delta_bp(), sc.plateau_patience())) {
    state_.set_lr_inv(state_.lr_inv() * sc.plateau_factor());
  }
  if (options_.log) progress.EndEpoch(rec);
  ASSIGN_OR_RETURN(std::string rng_state, rng_->SaveState());
  state_.set_rng_state(rng_state);
  state_.clear_param();
  for (const auto& [name, t] : Params()) *state_.add_param() = TensorToProto(name, *t);
  if (!options_.out_dir.empty()) RETURN_IF_ERROR(SaveCheckpoint());
  return !state_.stopped() && state_.epochs_done() < max_epochs_;
}

absl::Status Trainer::SaveCheckpoint() {
  const std::string dir = options_.out_dir;
  RETURN_IF_ERROR(WriteCheckpoint(absl::StrCat(dir, "/", kCheckpointFile), state_));
  std::vector<proto::EpochRecord> history(state_.history().begin(), state_.history().end());
  RETURN_IF_ERROR(WriteFileAtomically(absl::StrCat(dir, "/metrics.csv"), EpochCsv(history, block_names_)));
  RETURN_IF_ERROR(WriteFileAtomically(absl::StrCat(dir, "/accuracy.svg"),
                                      AccuracySvg(history, absl::StrCat(state_.model_name(), " (", state_.protocol(),
                                                                        " protocol, seed ", state_.seed(), ")"))));
  return absl::OkStatus();
}

absl::Status Trainer::Run() {
  while (true) {
    ASSIGN_OR_RETURN(bool more, RunEpoch());
    if (!more) break;
  }
  return absl::OkStatus();
}

}  // namespace nitro
