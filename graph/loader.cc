#include "graph/loader.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "graph/expand.h"
#include "graph/infer.h"
#include "graph/status_macros.h"

namespace nitro {

namespace {

// Collects text-format errors instead of printing them to stderr.
class CollectErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit CollectErrors(std::string source) : source_(std::move(source)) {}
  void AddError(int line, int column, const std::string& message) override {
    // At the end of the input the parser reports an empty token ("Expected identifier, got: ").
    const bool at_eof = absl::EndsWith(message, "got: ");
    errors_.push_back(
        absl::StrCat(source_, ":", line + 1, ":", column + 1, ": ", message, at_eof ? "end of file" : ""));
  }
  void AddWarning(int line, int column, const std::string& message) override {}
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

absl::StatusOr<ParsedModel> ParseText(absl::string_view text, absl::string_view source) {
  ParsedModel parsed;
  google::protobuf::TextFormat::Parser parser;
  CollectErrors errors{std::string(source)};
  google::protobuf::TextFormat::ParseInfoTree tree;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(std::string(text), &parsed.model)) {
    if (errors.errors().empty()) return absl::InvalidArgumentError(absl::StrCat(source, ": not a valid model"));
    return absl::InvalidArgumentError(absl::StrJoin(errors.errors(), "\n"));
  }
  const auto* node_field = proto::Model::descriptor()->FindFieldByName("node");
  for (int i = 0; i < parsed.model.node_size(); ++i) {
    auto loc = tree.GetLocation(node_field, i);
    parsed.node_lines.push_back(loc.line + 1);
  }
  return parsed;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  // An ifstream opens a directory without error and reads nothing, which would then be reported
  // as an empty model; say what is wrong instead.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a model file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the model file"));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return ss.str();
}

// Appends the functions of `file`'s imports (recursively; each file once) to `into`, and the
// imported files' texts to `texts`.
absl::Status ReadImports(const std::string& file, const proto::Model& model, std::set<std::string>& seen,
                         proto::Model& into, std::vector<std::string>& texts) {
  const std::filesystem::path dir = std::filesystem::path(file).parent_path();
  for (const std::string& import : model.imports()) {
    const std::string path = (dir / import).lexically_normal().string();
    if (!seen.insert(path).second) continue;
    auto text = ReadWholeFile(path);
    auto lib = text.ok() ? ParseText(*text, path) : text.status();
    if (!lib.ok()) {
      return absl::Status(lib.status().code(),
                          absl::StrCat(file, ": import \"", import, "\": ", lib.status().message()));
    }
    if (lib->model.node_size() > 0 || lib->model.param_size() > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": imported by ", file, ", but has nodes or parameters; a library holds functions only"));
    }
    for (const auto& f : lib->model.function()) *into.add_function() = f;
    texts.push_back(*std::move(text));
    RETURN_IF_ERROR(ReadImports(path, lib->model, seen, into, texts));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ParsedModel> ParseModelText(absl::string_view text, absl::string_view source) {
  ASSIGN_OR_RETURN(ParsedModel parsed, ParseText(text, source));
  const std::string path(source);
  std::set<std::string> seen = {std::filesystem::path(path).lexically_normal().string()};
  RETURN_IF_ERROR(ReadImports(path, parsed.model, seen, parsed.model, parsed.import_texts));
  RETURN_IF_ERROR(ExpandFunctions(parsed.model, parsed.node_lines, path));
  RETURN_IF_ERROR(InferOmitted(parsed.model, parsed.node_lines, path, &parsed.warnings));
  return parsed;
}

absl::StatusOr<ParsedModel> ReadModelFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  return ParseModelText(text, path);
}

absl::StatusOr<Graph> LoadGraph(const std::string& path, int64_t batch_size, std::vector<std::string>* warnings) {
  ASSIGN_OR_RETURN(ParsedModel parsed, ReadModelFile(path));
  if (warnings) *warnings = parsed.warnings;
  BuildOptions options;
  options.source = path;
  options.batch_size = batch_size;
  options.node_lines = std::move(parsed.node_lines);
  return BuildGraph(std::move(parsed.model), options);
}

}  // namespace nitro
