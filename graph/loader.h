// Reading `.pbtxt` model files into validated graphs.
#ifndef NITRO_GRAPH_LOADER_H_
#define NITRO_GRAPH_LOADER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "proto/nitro.pb.h"

namespace nitro {

struct ParsedModel {
  proto::Model model;
  std::vector<int> node_lines;        // 1-based line of each `node { ... }` (of its call, once expanded)
  std::vector<std::string> warnings;  // e.g. a Scale divisor that saturates; "file:line: node ...: ..."
  std::vector<std::string> import_texts;  // the text of every imported file, in the order read (each once)
};

// Parses protobuf text format (errors name the source, line and column), then resolves the short
// form: reads the `imports` (paths relative to the directory of `source`), expands function calls
// (graph/expand.h) and derives what was left out (graph/infer.h), so the result is the model
// written out in full. A model that uses none of this comes back as written.
absl::StatusOr<ParsedModel> ParseModelText(absl::string_view text, absl::string_view source);
// Reads and parses a file; NotFound if it cannot be read.
absl::StatusOr<ParsedModel> ReadModelFile(const std::string& path);
// ReadModelFile + BuildGraph. batch_size 0 takes the model's own. Warnings go to `warnings`.
absl::StatusOr<Graph> LoadGraph(const std::string& path, int64_t batch_size = 0,
                                std::vector<std::string>* warnings = nullptr);

}  // namespace nitro

#endif  // NITRO_GRAPH_LOADER_H_
