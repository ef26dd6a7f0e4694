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
  std::vector<int> node_lines;  // 1-based line of each `node { ... }`
};

// Parses protobuf text format. Errors name the source, line and column.
absl::StatusOr<ParsedModel> ParseModelText(absl::string_view text, absl::string_view source);
// Reads and parses a file; NotFound if it cannot be read.
absl::StatusOr<ParsedModel> ReadModelFile(const std::string& path);
// ReadModelFile + BuildGraph. batch_size 0 takes the model's own.
absl::StatusOr<Graph> LoadGraph(const std::string& path, int64_t batch_size = 0);

}  // namespace nitro

#endif  // NITRO_GRAPH_LOADER_H_
