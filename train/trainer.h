// Trainer: the training protocol of spec §6–§7 on top of the compiled training and inference
// plans — data preparation, per-epoch shuffle, batches, augmentation, IntegerSGD steps on the TBB
// runtime, evaluation, the plateau schedule and early stopping, best-epoch selection and
// bit-exact resumable checkpoints.
#ifndef NITRO_TRAIN_TRAINER_H_
#define NITRO_TRAIN_TRAINER_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataset/augment.h"
#include "dataset/datasets.h"
#include "dataset/preprocess.h"
#include "graph/graph.h"
#include "graph/random_source.h"
#include "proto/checkpoint.pb.h"
#include "runtime/flow_executor.h"
#include "runtime/plan.h"
#include "train/bindings.h"
#include "train/rank_steps.h"

namespace nitro {

class ProgressReporter;

// Which data decide the schedule, early stopping and the reported epoch.
enum class Protocol {
  // nitro's default: a held-out part of the training set (the last `val_size` shuffled training
  // samples) drives the schedule, stopping and selection; the test set (all 10 000 images) is
  // evaluated once, with the selected parameters.
  kHonest,
  // Exactly the reference (spec §10.9): the test set drives everything, is evaluated every epoch
  // on its first 156·64 = 9 984 images, and the best test epoch is reported.
  kPaper,
};

enum class RngKind {
  kDefault,  // nitro's own generator (random/default_random.h)
  kNumpy,    // NumPy's legacy MT19937 stream, draw for draw (spec Appendix A)
};

struct TrainOptions {
  std::string model_path;
  int64_t epochs = 0;  // 0: the model's train.epochs
  int64_t seed = -1;   // -1: the model's train.seed
  int threads = 0;     // 0: one per core
  Protocol protocol = Protocol::kHonest;
  RngKind rng = RngKind::kDefault;
  std::string data_dir;       // "": DefaultDatasetDir(dataset)
  std::string out_dir;        // where checkpoint.pb, metrics.csv, accuracy.svg go ("": none)
  bool resume = false;        // continue from out_dir/checkpoint.pb
  bool single_visit = false;  // train CNN FC blocks once per step (not the reference)
  bool per_sample_augment = false;
  int64_t val_size = 5000;   // honest protocol
  int64_t max_batches = 0;   // stop each epoch after this many batches (0: all); for smoke tests
  FILE* log = stdout;        // progress and epoch lines; null for silence
  bool interactive = false;  // redraw a progress bar (when log is a terminal)
  // Data parallelism (dist/): this process's rank among the run's ranks; null for one process.
  // Rank 0 alone writes out_dir; set `log` to null on the others.
  Communicator* comm = nullptr;
  // Polled after every training step (e.g. train/interrupt.h's InterruptRequested); once true the
  // run writes a checkpoint at that point (within the epoch when it is mid-epoch) and Run returns,
  // with interrupted() set. --resume then continues bit-identically. Null: never.
  std::function<bool()> stop_requested;
};

struct EvalResult {
  int64_t correct = 0;
  int64_t total = 0;
};

class Trainer {
 public:
  // Loads the model, derives and compiles the training and inference graphs, prepares the data
  // (from `data` when given, else from disk) and initialises or restores the parameters.
  static absl::StatusOr<std::unique_ptr<Trainer>> Create(const TrainOptions& options,
                                                         std::optional<DatasetSplits> data = std::nullopt);
  ~Trainer();

  // Trains until the epoch budget or early stopping. Writes the checkpoint and logs after every
  // epoch when out_dir is set.
  absl::Status Run();
  // Runs one epoch (shuffle, batches, evaluation, schedule); false once training is over.
  absl::StatusOr<bool> RunEpoch();

  // Whether Run / RunEpoch stopped early because stop_requested said so (the checkpoint, when
  // out_dir is set, holds the position: state().batches_done() within epoch epochs_done + 1).
  bool interrupted() const { return interrupted_; }
  // A note from --resume when the newest checkpoint was unusable and the previous one was used
  // ("" otherwise); Create has already written it to stderr.
  const std::string& resume_warning() const { return resume_warning_; }
  // The run's state: history, parameters, schedule (what the checkpoint holds).
  const proto::Checkpoint& state() const { return state_; }
  // The current parameters, in the model's declaration order.
  std::vector<std::pair<std::string, const Tensor*>> Params() const;
  // Evaluates the current (or given) parameters on the test set; `all` = every image, else the
  // reference's drop-the-last-partial-batch rule.
  absl::StatusOr<EvalResult> EvaluateTest(bool all);
  // The final figures: for the paper protocol the best test epoch; for the honest protocol the
  // test accuracy of the selected parameters on all test images.
  absl::StatusOr<EvalResult> FinalTest();
  // Replaces the current parameters by a checkpoint's: its best parameters (`best`) or those after
  // its last epoch. For evaluating a finished run (`nitro eval`): the trainer must have been
  // created with the checkpoint's seed and rng kind, so that the test set is preprocessed as it
  // was in training. FailedPrecondition for a checkpoint of another model version, seed or rng
  // kind, or one without parameters; DataLoss for missing or misshapen parameters.
  absl::Status LoadParams(const proto::Checkpoint& ckpt, bool best);
  // Replaces the initial parameters with tensors read elsewhere (e.g. `nitro export-tensors`
  // output or a golden trace), matched by name; every parameter must be given, with its dtype and
  // shape. Only before the first epoch. `source` names the origin in errors.
  absl::Status SetInitialParams(const std::vector<std::pair<std::string, Tensor>>& tensors, absl::string_view source);
  const Graph& model() const { return *model_; }
  // Bytes of gradients each step all-reduces (0 for one process).
  int64_t AllReduceBytesPerStep() const;

 private:
  // The tensors of the training plan that each step feeds and reads.
  struct StepTensors {
    Tensor* image = nullptr;
    Tensor* target = nullptr;
    Tensor* lr_inv = nullptr;
    const Tensor* correct = nullptr;
    const Tensor* loss = nullptr;  // null when the output has no loss sum
    std::vector<const Tensor*> block_correct;
  };

  Trainer() = default;

  // Create's steps, in this order.
  absl::Status Prepare(std::optional<DatasetSplits> data);
  absl::Status LoadModel();
  absl::Status CompileModel();
  absl::Status BindValues();
  void CreateRandomStream();
  absl::Status PrepareData(std::optional<DatasetSplits> data);
  absl::StatusOr<DatasetSplits> LoadData() const;
  absl::Status CheckImageShape(const DatasetSplits& data) const;
  absl::Status SplitData(PreprocessedData prep);
  void StartState();
  absl::Status InitParams();
  absl::Status Restore(const proto::Checkpoint& ckpt, const std::string& where);
  absl::Status CheckSameOnEveryRank();
  bool StopRequested() const { return options_.stop_requested && options_.stop_requested(); }

  // RunEpoch's steps, in this order.
  absl::StatusOr<proto::EpochRecord> TrainEpoch(int64_t epoch, ProgressReporter& progress);
  absl::Status TrainBatch(int64_t b, const AugmentOptions& augment, proto::EpochRecord* rec,
                          std::vector<int64_t>* block_correct);
  absl::StatusOr<EvalResult> EvaluateEpoch(proto::EpochRecord* rec);
  void SelectBest(int64_t epoch, const EvalResult& monitored);
  absl::Status SaveRunRecords();
  absl::Status SaveCheckpoint();

  absl::Status Evaluate(const Tensor& x, const std::vector<uint8_t>& labels, int64_t n, bool drop_remainder,
                        EvalResult* result);
  int64_t Seed() const;
  // The model's parameters as stored in `stored`, checked against the training plan; DataLoss
  // naming `where` and `what` ("parameter", "best parameter") otherwise.
  absl::StatusOr<std::vector<Tensor>> ReadParams(const google::protobuf::RepeatedPtrField<proto::TensorData>& stored,
                                                 const std::string& where, const char* what) const;
  // Sets the parameters (in param_names order) into the training plan.
  absl::Status SetParams(const std::vector<Tensor>& params);
  absl::Status SetParams(const std::vector<const Tensor*>& params);
  // The inference plan gets the current parameters, or with `best` those of the best epoch.
  absl::Status CopyParamsToInference(bool best);

  TrainOptions options_;
  std::string model_text_;
  std::string model_sha256_;  // ModelSha256 of the text and its imports
  std::unique_ptr<Graph> model_;
  std::unique_ptr<Graph> train_graph_;
  std::unique_ptr<Graph> infer_graph_;
  std::unique_ptr<Plan> train_plan_;
  std::unique_ptr<Plan> infer_plan_;
  std::unique_ptr<FlowExecutor> train_exec_;
  std::unique_ptr<FlowExecutor> infer_exec_;
  std::unique_ptr<RandomSource> rng_;

  // Data.
  Tensor train_x_, train_y_;
  std::vector<uint8_t> train_labels_;
  Tensor val_x_;
  std::vector<uint8_t> val_labels_;
  Tensor test_x_;
  std::vector<uint8_t> test_labels_;

  RankSteps ranks_;
  TrainingBindings bindings_;
  StepTensors step_;

  int64_t batch_ = 64;
  int64_t max_epochs_ = 0;
  proto::Checkpoint state_;
  bool interrupted_ = false;
  std::string resume_warning_;
};

const char* ProtocolName(Protocol p);
const char* RngKindName(RngKind r);

}  // namespace nitro

#endif  // NITRO_TRAIN_TRAINER_H_
