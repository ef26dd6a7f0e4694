// The trainer as short drivers (Prepare, RunEpoch) over named steps. The order of the steps is
// the order of the random draws (spec Appendix A): the load shuffle, the initial parameters, then
// per epoch the epoch shuffle, each batch's augmentation and dropout draws.
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "graph/loader.h"
#include "graph/status_macros.h"
#include "io/atomic_file.h"
#include "io/sha256.h"
#include "passes/compile.h"
#include "random/default_random.h"
#include "random/numpy_random.h"
#include "train/checkpoint.h"
#include "train/epoch_data.h"
#include "train/param_init.h"
#include "train/param_match.h"
#include "train/progress.h"
#include "train/rank_steps.h"
#include "train/run_log.h"
#include "train/schedule.h"

namespace nitro {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

absl::StatusOr<std::string> ReadModelText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the model file"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

AugmentOptions AugmentOptionsFor(const proto::Train& tc, bool per_sample_flag) {
  AugmentOptions aug;
  aug.crop = tc.augment().crop_size() > 0;
  aug.crop_padding = tc.augment().crop_padding();
  aug.flip = tc.augment().hflip();
  aug.per_sample = tc.augment().per_sample() || per_sample_flag;
  return aug;
}

// The accuracy that drives selection, the schedule and stopping: the test set's under the paper
// protocol, the validation set's under the honest one.
EvalResult Monitored(const proto::EpochRecord& r, Protocol protocol) {
  if (protocol == Protocol::kPaper) return {r.test_correct(), r.test_total()};
  return {r.val_correct(), r.val_total()};
}

// The wording of refusals for parameters stored in a checkpoint (Restore, LoadParams).
ParamMatchWords StoredParamWords(const std::string& where, const char* what) {
  ParamMatchWords w;
  w.code = absl::StatusCode::kDataLoss;
  w.missing = [where, what](absl::string_view name) {
    return absl::StrCat(where, ": ", what, " '", name, "' is missing");
  };
  w.mismatch = [where, what](absl::string_view name, const Tensor& have, const Tensor& want) {
    return absl::StrCat(where, ": ", what, " '", name, "' is ", DTypeAndShape(have), ", the model has ",
                        DTypeAndShape(want));
  };
  w.unreadable = [where, what](const absl::Status& error) {
    return absl::StrCat(where, ": ", what, " ", error.message());
  };
  return w;
}

// The wording of refusals for tensors given by SetInitialParams.
ParamMatchWords GivenParamWords(absl::string_view source) {
  ParamMatchWords w;
  w.code = absl::StatusCode::kInvalidArgument;
  w.missing = [source = std::string(source)](absl::string_view name) {
    return absl::StrCat(source, ": has no tensor for parameter '", name, "'");
  };
  w.mismatch = [source = std::string(source)](absl::string_view name, const Tensor& have, const Tensor& want) {
    return absl::StrCat(source, ": tensor '", name, "' is ", DTypeAndShape(have), ", the model needs ",
                        DTypeAndShape(want));
  };
  return w;
}

// The wording for the inference plan's parameters, which the training plan always has (both
// graphs are compiled from one model); a refusal is a bug.
ParamMatchWords InferenceParamWords() {
  ParamMatchWords w;
  w.code = absl::StatusCode::kInternal;
  w.missing = [](absl::string_view name) {
    return absl::StrCat("inference parameter '", name, "' has no trained counterpart");
  };
  w.mismatch = [](absl::string_view name, const Tensor& have, const Tensor& want) {
    return absl::StrCat("inference parameter '", name, "' is ", DTypeAndShape(want), " but the trained one is ",
                        DTypeAndShape(have));
  };
  w.unreadable = [](const absl::Status& error) { return std::string(error.message()); };
  return w;
}

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

// ---- Create's steps ----

absl::Status Trainer::Prepare(std::optional<DatasetSplits> data) {
  RETURN_IF_ERROR(LoadModel());
  RETURN_IF_ERROR(CompileModel());
  RETURN_IF_ERROR(BindValues());
  // The random stream, then the data: the load shuffle draws first, as in the reference.
  CreateRandomStream();
  RETURN_IF_ERROR(PrepareData(std::move(data)));
  StartState();
  if (options_.resume) {
    ASSIGN_OR_RETURN(LoadedCheckpoint loaded, LoadRunCheckpoint(options_.out_dir));
    resume_warning_ = loaded.warning;
    if (!resume_warning_.empty()) std::fprintf(stderr, "%s\n", resume_warning_.c_str());
    RETURN_IF_ERROR(Restore(loaded.checkpoint, loaded.path));
  } else {
    RETURN_IF_ERROR(InitParams());
  }
  return CheckSameOnEveryRank();
}

// Reads, parses and builds the model at the batch size of one rank's slice; the epoch budget.
absl::Status Trainer::LoadModel() {
  const TrainOptions& o = options_;
  ASSIGN_OR_RETURN(model_text_, ReadModelText(o.model_path));
  ASSIGN_OR_RETURN(ParsedModel parsed, ParseModelText(model_text_, o.model_path));
  model_sha256_ = ModelSha256(model_text_, parsed.import_texts);
  const proto::Train& tc = parsed.model.train();
  batch_ = tc.batch_size() > 0 ? tc.batch_size() : 64;
  max_epochs_ = o.epochs > 0 ? o.epochs : (tc.epochs() > 0 ? tc.epochs() : 1);
  ASSIGN_OR_RETURN(ranks_, RankSteps::Create(o.comm, batch_, o.model_path));
  if (!ranks_.writer()) options_.log = nullptr;  // one writer: rank 0
  BuildOptions bo;
  bo.source = o.model_path;
  bo.batch_size = ranks_.slice_batch();
  bo.node_lines = parsed.node_lines;
  ASSIGN_OR_RETURN(Graph model, BuildGraph(parsed.model, bo));
  model_ = std::make_unique<Graph>(std::move(model));
  return absl::OkStatus();
}

// The training and inference graphs, their plans and executors.
absl::Status Trainer::CompileModel() {
  CompileOptions co;
  co.local_gradient.single_visit = options_.single_visit;
  ASSIGN_OR_RETURN(CompiledGraphs compiled, CompileTrainingGraph(*model_, co));
  ASSIGN_OR_RETURN(train_graph_, ranks_.Shard(std::move(compiled.train)));
  infer_graph_ = std::move(compiled.inference);
  ASSIGN_OR_RETURN(bindings_, BindTrainingValues(*model_, options_.model_path));
  // Buffers shared by liveness and parameters updated in place (runtime/memory_plan.h); the values
  // the steps read after a run stay observable.
  PlanOptions train_options;
  train_options.share_buffers = true;
  train_options.keep = {bindings_.train_correct, bindings_.train_loss};
  train_options.keep.insert(bindings_.block_correct.begin(), bindings_.block_correct.end());
  ASSIGN_OR_RETURN(train_plan_, Plan::Create(train_graph_.get(), train_options));
  PlanOptions infer_options;
  infer_options.share_buffers = true;
  ASSIGN_OR_RETURN(infer_plan_, Plan::Create(infer_graph_.get(), infer_options));
  const int threads = options_.threads > 0 ? options_.threads : static_cast<int>(std::thread::hardware_concurrency());
  train_exec_ = std::make_unique<FlowExecutor>(train_plan_.get(), threads);
  infer_exec_ = std::make_unique<FlowExecutor>(infer_plan_.get(), threads);
  return absl::OkStatus();
}

// The graph values the steps use, and their tensors in the training plan.
absl::Status Trainer::BindValues() {
  step_.image = train_plan_->Find(bindings_.image_input);
  step_.target = train_plan_->Find(bindings_.target_input);
  step_.lr_inv = train_plan_->Find(kLrInvInput);
  step_.correct = train_plan_->Find(bindings_.train_correct);
  step_.loss = bindings_.train_loss.empty() ? nullptr : train_plan_->Find(bindings_.train_loss);
  for (const auto& v : bindings_.block_correct) step_.block_correct.push_back(train_plan_->Find(v));
  return absl::OkStatus();
}

int64_t Trainer::Seed() const { return options_.seed >= 0 ? options_.seed : model_->model().train().seed(); }

void Trainer::CreateRandomStream() {
  if (options_.rng == RngKind::kNumpy) {
    rng_ = std::make_unique<NumpyRandom>(static_cast<uint32_t>(Seed()));
  } else {
    rng_ = std::make_unique<DefaultRandom>(static_cast<uint64_t>(Seed()));
  }
}

// Loads (unless given), checks the image shape, preprocesses (the load shuffle's draws) and splits.
absl::Status Trainer::PrepareData(std::optional<DatasetSplits> data) {
  if (!data) {
    ASSIGN_OR_RETURN(DatasetSplits loaded, LoadData());
    data = std::move(loaded);
  }
  RETURN_IF_ERROR(CheckImageShape(*data));
  const int64_t classes = model_->value(bindings_.target_input).type.shape.back();
  ASSIGN_OR_RETURN(PreprocessedData prep,
                   Preprocess(*data, *rng_, PreprocessOptionsFor(model_->model().train(), classes)));
  RETURN_IF_ERROR(SplitData(std::move(prep)));
  if (train_x_.dim(0) < batch_) {
    return absl::InvalidArgumentError(absl::StrCat("the training set has fewer samples than one batch of ", batch_));
  }
  return absl::OkStatus();
}

absl::StatusOr<DatasetSplits> Trainer::LoadData() const {
  const std::string& dataset = model_->model().train().dataset();
  if (dataset.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(options_.model_path, ": train.dataset is not set"));
  }
  return LoadDataset(dataset, options_.data_dir.empty() ? DefaultDatasetDir(dataset) : options_.data_dir);
}

absl::Status Trainer::CheckImageShape(const DatasetSplits& data) const {
  const Shape want = model_->value(bindings_.image_input).type.shape;
  const Shape have = {model_->batch_size(), data.train.c, data.train.h, data.train.w};
  if (want == have) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(options_.model_path, ": input '", bindings_.image_input, "' expects ",
                                                 ShapeString(want), " per batch but the data have images of ",
                                                 data.train.c, "x", data.train.h, "x", data.train.w));
}

// The honest protocol holds the last val_size shuffled training samples out for validation.
absl::Status Trainer::SplitData(PreprocessedData prep) {
  if (options_.protocol == Protocol::kHonest) {
    ASSIGN_OR_RETURN(HeldOutData split, HeldOutSplit(prep, options_.val_size));
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
  return absl::OkStatus();
}

// A fresh run's state: its identity, flags, learning rate and the sample order 0..N-1.
void Trainer::StartState() {
  const TrainOptions& o = options_;
  state_.set_model_name(model_->model().name());
  state_.set_model_sha256(model_sha256_);
  state_.set_protocol(ProtocolName(o.protocol));
  state_.set_single_visit(o.single_visit);
  state_.set_per_sample_augment(o.per_sample_augment);
  state_.set_val_size(o.protocol == Protocol::kHonest ? o.val_size : 0);
  state_.set_max_batches(o.max_batches);
  state_.set_rng_kind(RngKindName(o.rng));
  state_.set_seed(Seed());
  const int64_t lr_inv = model_->model().train().lr_inv();
  state_.set_lr_inv(lr_inv > 0 ? lr_inv : 512);
  for (int64_t i = 0; i < train_x_.dim(0); ++i) state_.add_order(i);
}

absl::Status Trainer::InitParams() {
  for (const auto& p : model_->model().param()) {  // declaration order = the reference's draw order
    ASSIGN_OR_RETURN(Tensor w, InitParam(p, *rng_));
    RETURN_IF_ERROR(train_plan_->Set(p.name(), w));
  }
  return rng_->status();
}

// Continues the run stored in `c`; everything is checked before anything is changed.
absl::Status Trainer::Restore(const proto::Checkpoint& c, const std::string& where) {
  RETURN_IF_ERROR(CheckResumable(c, state_, where));
  if (c.batches_done() >= TrainingBatches(train_x_.dim(0), batch_, options_.max_batches)) {
    return absl::DataLossError(absl::StrCat(where, ": ", c.batches_done(), " batches done is not within an epoch"));
  }
  ASSIGN_OR_RETURN(std::vector<Tensor> params, ReadParams(c.param(), where, "parameter"));
  if (c.best_epoch() > 0) RETURN_IF_ERROR(ReadParams(c.best_param(), where, "best parameter").status());
  absl::Status rng = rng_->LoadState(c.rng_state());
  if (!rng.ok()) return absl::DataLossError(absl::StrCat(where, ": ", rng.message()));
  RETURN_IF_ERROR(SetParams(params));
  state_ = c;
  return absl::OkStatus();
}

// Every rank must train the same model on the same data from the same state.
absl::Status Trainer::CheckSameOnEveryRank() {
  if (ranks_.ranks() == 1) return absl::OkStatus();
  const TrainOptions& o = options_;
  Sha256 data;
  for (const Tensor* t : {&train_x_, &train_y_, &val_x_, &test_x_}) {
    if (!t->empty()) data.Update(t->raw(), t->bytes());
  }
  Sha256 params;
  for (const auto& [name, t] : Params()) params.Update(t->raw(), t->bytes());
  const std::string flags = absl::StrCat(ProtocolName(o.protocol), " ", RngKindName(o.rng), " ", Seed(), " ",
                                         o.single_visit, o.per_sample_augment, " ", o.val_size, " ", o.max_batches, " ",
                                         max_epochs_, " ", o.resume, " ", state_.epochs_done());
  return ranks_.CheckSameOnEveryRank({{"model", state_.model_sha256()},
                                      {"data", data.HexDigest()},
                                      {"flags", Sha256Hex(flags)},
                                      {"parameters", params.HexDigest()}});
}

int64_t Trainer::AllReduceBytesPerStep() const { return nitro::AllReduceBytesPerStep(*train_graph_); }

// ---- Parameters ----

absl::StatusOr<std::vector<Tensor>> Trainer::ReadParams(
    const google::protobuf::RepeatedPtrField<proto::TensorData>& stored, const std::string& where,
    const char* what) const {
  return MatchParams(Params(), stored, StoredParamWords(where, what));
}

absl::Status Trainer::SetParams(const std::vector<Tensor>& params) {
  for (size_t i = 0; i < params.size(); ++i) RETURN_IF_ERROR(train_plan_->Set(bindings_.param_names[i], params[i]));
  return absl::OkStatus();
}

absl::Status Trainer::SetParams(const std::vector<const Tensor*>& params) {
  for (size_t i = 0; i < params.size(); ++i) RETURN_IF_ERROR(train_plan_->Set(bindings_.param_names[i], *params[i]));
  return absl::OkStatus();
}

absl::Status Trainer::SetInitialParams(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                       absl::string_view source) {
  if (state_.epochs_done() > 0) {
    return absl::FailedPreconditionError(absl::StrCat(source, ": initial parameters can only replace a fresh run's"));
  }
  NamedTensorRefs given;
  for (const auto& [name, t] : tensors) given.emplace_back(name, &t);
  ASSIGN_OR_RETURN(std::vector<const Tensor*> params, MatchParams(Params(), given, GivenParamWords(source)));
  return SetParams(params);
}

absl::Status Trainer::LoadParams(const proto::Checkpoint& c, bool best) {
  const std::string where = absl::StrCat("checkpoint of ", c.model_name().empty() ? "?" : c.model_name());
  if (c.model_sha256() != state_.model_sha256()) {
    return absl::FailedPreconditionError(absl::StrCat(where, ": was written for another model, or another version ",
                                                      "of it, than ", options_.model_path, " (their SHA-256 differ)"));
  }
  if (c.rng_kind() != state_.rng_kind() || c.seed() != state_.seed()) {
    return absl::FailedPreconditionError(
        absl::StrCat(where, ": was trained with --rng=", c.rng_kind(), " --seed=", c.seed(),
                     ", which the test-set preprocessing depends on; ", "evaluate with the same"));
  }
  const auto& stored = best ? c.best_param() : c.param();
  if (stored.empty()) return absl::FailedPreconditionError(absl::StrCat(where, ": no epoch has been trained"));
  ASSIGN_OR_RETURN(std::vector<Tensor> params, ReadParams(stored, where, best ? "best parameter" : "parameter"));
  return SetParams(params);
}

std::vector<std::pair<std::string, const Tensor*>> Trainer::Params() const {
  std::vector<std::pair<std::string, const Tensor*>> out;
  for (const auto& n : bindings_.param_names) out.push_back({n, train_plan_->Find(n)});
  return out;
}

absl::Status Trainer::CopyParamsToInference(bool best) {
  NamedTensorRefs infer;
  for (const auto& p : infer_graph_->model().param()) infer.emplace_back(p.name(), infer_plan_->Find(p.name()));
  std::vector<Tensor> stored;  // the best epoch's parameters, decoded
  std::vector<const Tensor*> from;
  if (best) {
    ASSIGN_OR_RETURN(stored, MatchParams(infer, state_.best_param(), InferenceParamWords()));
    for (const Tensor& t : stored) from.push_back(&t);
  } else {
    ASSIGN_OR_RETURN(from, MatchParams(infer, Params(), InferenceParamWords()));
  }
  // MatchParams checked dtype and shape, so the byte counts agree.
  for (size_t i = 0; i < from.size(); ++i) {
    std::memcpy(infer_plan_->Find(infer[i].first)->raw(), from[i]->raw(), from[i]->bytes());
  }
  return absl::OkStatus();
}

// ---- Evaluation ----

absl::Status Trainer::Evaluate(const Tensor& x, const std::vector<uint8_t>& labels, int64_t n, bool drop_remainder,
                               EvalResult* result) {
  Tensor* image = infer_plan_->Find(bindings_.image_input);
  const Tensor* pred = infer_plan_->Find(bindings_.output);
  // The images the protocol evaluates, in chunks of the plan's batch, chunk c on rank c mod ranks.
  const int64_t total = drop_remainder ? EvalBatches(n, batch_, true) * batch_ : n;
  const int64_t chunk = image->dim(0);
  int64_t correct = 0;
  for (int64_t c = 0; c < EvalBatches(total, chunk, false); ++c) {
    if (!ranks_.OwnsChunk(c)) continue;
    const int64_t start = c * chunk;
    const int64_t count = std::min(chunk, total - start);
    FillEvalBatch(x, start, count, image);
    RETURN_IF_ERROR(infer_exec_->Run(/*training=*/false, nullptr));
    correct += CountCorrect(*pred, count, absl::MakeConstSpan(labels).subspan(start));
  }
  RETURN_IF_ERROR(ranks_.SumCounts(absl::MakeSpan(&correct, 1)));
  *result = EvalResult{correct, total};
  return absl::OkStatus();
}

absl::StatusOr<EvalResult> Trainer::EvaluateTest(bool all) {
  RETURN_IF_ERROR(CopyParamsToInference(false));
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
  RETURN_IF_ERROR(CopyParamsToInference(true));
  EvalResult r;
  RETURN_IF_ERROR(Evaluate(test_x_, test_labels_, test_x_.dim(0), /*drop_remainder=*/false, &r));
  return r;
}

// ---- An epoch ----

absl::StatusOr<bool> Trainer::RunEpoch() {
  interrupted_ = false;
  if (state_.stopped() || state_.epochs_done() >= max_epochs_) return false;
  const int64_t epoch = state_.epochs_done() + 1;
  // A checkpoint written within the epoch has its order shuffled already.
  if (state_.batches_done() == 0) ShuffleEpochOrder(*rng_, state_.mutable_order());
  ProgressReporter progress(options_.log, options_.interactive);
  ASSIGN_OR_RETURN(proto::EpochRecord rec, TrainEpoch(epoch, progress));
  if (interrupted_) {  // the position within the epoch goes into the checkpoint
    *state_.mutable_partial() = rec;
    RETURN_IF_ERROR(SaveRunRecords());
    return false;
  }
  state_.clear_batches_done();
  state_.clear_partial();
  ASSIGN_OR_RETURN(EvalResult monitored, EvaluateEpoch(&rec));
  SelectBest(epoch, monitored);
  *state_.add_history() = rec;
  state_.set_epochs_done(epoch);
  StepSchedule(model_->model().train().schedule(), monitored.correct, monitored.total, &state_);
  if (options_.log) progress.EndEpoch(rec);
  RETURN_IF_ERROR(SaveRunRecords());
  return !state_.stopped() && state_.epochs_done() < max_epochs_;
}

// The epoch's training steps; the record's training figures.
absl::StatusOr<proto::EpochRecord> Trainer::TrainEpoch(int64_t epoch, ProgressReporter& progress) {
  const AugmentOptions augment = AugmentOptionsFor(model_->model().train(), options_.per_sample_augment);
  step_.lr_inv->data<int64_t>()[0] = state_.lr_inv();
  const int64_t batches = TrainingBatches(train_x_.dim(0), batch_, options_.max_batches);
  if (options_.log) progress.StartEpoch(epoch, max_epochs_, batches);
  // Continues from the batches an interrupted run did (none for a fresh epoch).
  const int64_t first = state_.batches_done();
  proto::EpochRecord rec = state_.partial();
  rec.set_epoch(epoch);
  rec.set_lr_inv(state_.lr_inv());
  std::vector<int64_t> block_correct(rec.block_correct().begin(), rec.block_correct().end());
  block_correct.resize(step_.block_correct.size(), 0);
  rec.clear_block_correct();
  const int64_t t0 = NowMs() - rec.wall_ms();
  for (int64_t b = first; b < batches; ++b) {
    RETURN_IF_ERROR(TrainBatch(b, augment, &rec, &block_correct));
    if (options_.log) progress.Update(b + 1, (b + 1) * batch_, rec.train_correct(), NowMs() - t0);
    if (b + 1 < batches && StopRequested()) {
      interrupted_ = true;
      state_.set_batches_done(b + 1);
      break;
    }
  }
  rec.set_wall_ms(NowMs() - t0);
  for (int64_t c : block_correct) rec.add_block_correct(c);
  return rec;
}

// One IntegerSGD step on batch `b` of the epoch order (augmented when the model asks), counted.
absl::Status Trainer::TrainBatch(int64_t b, const AugmentOptions& augment, proto::EpochRecord* rec,
                                 std::vector<int64_t>* block_correct) {
  RETURN_IF_ERROR(
      ranks_.FillTrainingBatch(train_x_, train_y_, state_.order(), b, augment, *rng_, step_.image, step_.target));
  RETURN_IF_ERROR(train_exec_->Run(/*training=*/true, rng_.get()));
  RETURN_IF_ERROR(rng_->status());
  train_plan_->CommitUpdates();
  // The step's counts, summed over the ranks: correct, loss sum, then each block's correct.
  std::vector<int64_t> counts = {step_.correct->data<int64_t>()[0], step_.loss ? step_.loss->data<int64_t>()[0] : 0};
  for (const Tensor* t : step_.block_correct) counts.push_back(t->data<int64_t>()[0]);
  RETURN_IF_ERROR(ranks_.SumCounts(absl::MakeSpan(counts)));
  rec->set_train_correct(rec->train_correct() + counts[0]);
  rec->set_train_total(rec->train_total() + batch_);
  if (step_.loss) rec->set_loss_sum(rec->loss_sum() + counts[1]);
  for (size_t k = 0; k < step_.block_correct.size(); ++k) (*block_correct)[k] += counts[2 + k];
  return absl::OkStatus();
}

// The paper protocol evaluates the test set's full batches every epoch; the honest one the
// validation set. Returns the monitored accuracy.
absl::StatusOr<EvalResult> Trainer::EvaluateEpoch(proto::EpochRecord* rec) {
  if (options_.protocol == Protocol::kPaper) {
    ASSIGN_OR_RETURN(EvalResult test, EvaluateTest(/*all=*/false));
    rec->set_test_correct(test.correct);
    rec->set_test_total(test.total);
  } else {
    RETURN_IF_ERROR(CopyParamsToInference(false));
    EvalResult val;
    RETURN_IF_ERROR(Evaluate(val_x_, val_labels_, val_x_.dim(0), /*drop_remainder=*/false, &val));
    rec->set_val_correct(val.correct);
    rec->set_val_total(val.total);
  }
  return Monitored(*rec, options_.protocol);
}

// The epoch becomes the best one, with a copy of its parameters, when it is strictly more
// accurate than the best so far (ties keep the earlier epoch).
void Trainer::SelectBest(int64_t epoch, const EvalResult& monitored) {
  EvalResult best;
  for (const auto& e : state_.history()) {
    if (e.epoch() == state_.best_epoch()) best = Monitored(e, options_.protocol);
  }
  if (state_.best_epoch() != 0 && !MoreAccurate(monitored.correct, monitored.total, best.correct, best.total)) return;
  state_.set_best_epoch(epoch);
  state_.clear_best_param();
  for (const auto& [name, t] : Params()) *state_.add_best_param() = TensorToProto(name, *t);
}

// The random state and parameters after the epoch into the state; the checkpoint and logs.
absl::Status Trainer::SaveRunRecords() {
  ASSIGN_OR_RETURN(std::string rng_state, rng_->SaveState());
  state_.set_rng_state(rng_state);
  state_.clear_param();
  for (const auto& [name, t] : Params()) *state_.add_param() = TensorToProto(name, *t);
  if (options_.out_dir.empty() || !ranks_.writer()) return absl::OkStatus();
  return SaveCheckpoint();
}

absl::Status Trainer::SaveCheckpoint() {
  const std::string& dir = options_.out_dir;
  RETURN_IF_ERROR(SaveRunCheckpoint(dir, state_));
  std::vector<proto::EpochRecord> history(state_.history().begin(), state_.history().end());
  RETURN_IF_ERROR(WriteFileAtomically(absl::StrCat(dir, "/metrics.csv"), EpochCsv(history, bindings_.block_names)));
  RETURN_IF_ERROR(WriteFileAtomically(absl::StrCat(dir, "/accuracy.svg"),
                                      AccuracySvg(history, absl::StrCat(state_.model_name(), " (", state_.protocol(),
                                                                        " protocol, seed ", state_.seed(), ")"))));
  return absl::OkStatus();
}

absl::Status Trainer::Run() {
  while (true) {
    ASSIGN_OR_RETURN(bool more, RunEpoch());
    if (!more || interrupted_) break;
    if (StopRequested()) {  // at an epoch boundary: the epoch's checkpoint is already written
      interrupted_ = true;
      break;
    }
  }
  return absl::OkStatus();
}

}  // namespace nitro
