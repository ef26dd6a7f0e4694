// Declarative command-line flags for the `nitro` subcommands and the bench binaries.
//
// A command declares each flag once (name, type, default, help) bound to a variable, and its
// positional arguments the same way; FlagSet parses the arguments into those variables and
// generates `--help` from the declarations, so help and parser cannot drift apart.
//
//   std::string path;
//   bool best = false;
//   FlagSet flags("nitro export-tensors", "Prints every parameter tensor of a checkpoint ...");
//   flags.Bool("best", &best, "export the parameters of the best epoch");
//   flags.Positional("CHECKPOINT_OR_RUN_DIR", &path, "a checkpoint file or a run directory");
//   if (std::optional<int> exit_code = flags.Parse(args)) return *exit_code;
//
// Accepted forms: `--name=value` and `--name value` (a value may not start with `--`); for bools
// `--name`, `--name=true|false` and `--no-name`; `_` in a name is read as `-` (`--val_size`);
// `--` ends the flags. A bool never takes the next argument. Repeating a flag: the last one wins.
// The default of a flag is the value its variable holds when it is declared; the help shows it,
// except for a bool that is off by default.
//
// Exit codes: a usage error (unknown flag, missing or malformed value, bad enum word, missing or
// extra positional argument, missing required flag) prints one line
// `<program>: <problem>; see '<program> --help'` to stderr and exits 2; `--help`/`-h` prints the
// help to stdout and exits 0. Errors at run time (Fail) print `<program>: <message>` and exit 1.
#ifndef NITRO_TOOLS_FLAGS_H_
#define NITRO_TOOLS_FLAGS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nitro::cli {

// One allowed word of an enum flag, the value it stands for and (optionally) what it means.
template <typename T>
struct EnumWord {
  std::string word;
  T value;
  std::string help;
};

class FlagSet {
 public:
  // A declared flag; the setters refine its help entry and arity.
  class Flag {
   public:
    // The placeholder in `--name=VALUE` (default: N for integers, VALUE for strings).
    Flag& Value(std::string placeholder);
    // What the help gives as the default, where the variable's initial value would mislead
    // (e.g. 0 standing for "the model's own").
    Flag& DefaultText(std::string text);
    // Parsing fails unless the flag is given; the help shows it outside brackets.
    Flag& Required();

   private:
    friend class FlagSet;
    enum class Kind { kString, kInt, kBool, kEnum };
    struct Word {
      std::string word;
      std::string help;
    };
    Kind kind = Kind::kString;
    std::string name;  // without the leading `--`, kebab-case
    std::string help;
    std::string placeholder;
    std::string default_text;
    bool required = false;
    std::vector<Word> words;  // kEnum
    // Parses `text` into the bound variable; InvalidArgument names the flag and the problem.
    std::function<absl::Status(const std::string& text)> set;
  };

  // `program` is what the user typed to get here ("nitro train"); `description` is the paragraph
  // (or paragraphs, separated by a blank line) under the usage line, re-wrapped to the help width.
  FlagSet(std::string program, std::string description);
  FlagSet(const FlagSet&) = delete;
  FlagSet& operator=(const FlagSet&) = delete;
  ~FlagSet();

  Flag& String(std::string name, std::string* target, std::string help);
  Flag& Int64(std::string name, int64_t* target, std::string help);
  // As Int64, for an `int` variable; values outside its range are usage errors.
  Flag& Int(std::string name, int* target, std::string help);
  Flag& Bool(std::string name, bool* target, std::string help);
  // The value must be one of `words`; *target must hold one of their values (the default).
  template <typename T>
  Flag& Enum(std::string name, T* target, std::vector<EnumWord<T>> words, std::string help);
  // A required positional argument, in declaration order; `name` is its placeholder (MODEL.pbtxt).
  void Positional(std::string name, std::string* target, std::string help);
  // One or more further positional arguments (shown as `NAME...`), collected in order; declared
  // last, after the single ones.
  void RepeatedPositional(std::string name, std::vector<std::string>* target, std::string help);

  enum class Outcome { kRun, kHelp };
  // Parses `args` (argv after the program or subcommand name) into the bound variables. kHelp when
  // help was asked for; InvalidArgument with the bare problem ("unknown flag '--x'") on a usage
  // error. Prints nothing.
  absl::StatusOr<Outcome> TryParse(const std::vector<std::string>& args);
  // TryParse, then: nullopt when the command should run; 0 after printing the help; 2 after
  // printing a usage error.
  std::optional<int> Parse(const std::vector<std::string>& args);

  // Prints a usage error found after parsing (e.g. two flags that exclude each other) in the
  // format of the parser's own, and returns 2.
  int UsageError(absl::string_view problem) const;
  // Prints a run-time error as `<program>: <message>` and returns 1.
  int Fail(const absl::Status& status) const;

  // The generated help: usage line, description, positional arguments and the flag table.
  std::string Help() const;

  const std::string& program() const { return program_; }

 private:
  struct PositionalArg {
    std::string name;
    std::string help;
    std::string* target = nullptr;
    std::vector<std::string>* list = nullptr;  // a repeated positional: takes every further argument
  };
  Flag& Add(Flag::Kind kind, std::string name, std::string help);
  Flag& AddEnum(std::string name, std::vector<Flag::Word> words, size_t default_index,
                std::function<void(size_t)> set_index, std::string help);
  Flag* Find(absl::string_view name);
  absl::Status ParseFlag(const std::vector<std::string>& args, size_t* i, std::vector<const Flag*>* seen);
  std::string UsageLine() const;

  std::string program_;
  std::string description_;
  std::vector<std::unique_ptr<Flag>> flags_;  // stable addresses: Add returns references
  std::vector<PositionalArg> positionals_;
};

// Formats two-column help rows (`  left  text`, text word-wrapped with a hanging indent), as the
// flag table of FlagSet::Help does; for other listings such as `nitro --help`'s command table.
std::string FormatHelpRows(const std::vector<std::pair<std::string, std::string>>& rows);

template <typename T>
FlagSet::Flag& FlagSet::Enum(std::string name, T* target, std::vector<EnumWord<T>> words, std::string help) {
  std::vector<Flag::Word> plain;
  size_t default_index = words.size();
  for (size_t i = 0; i < words.size(); ++i) {
    plain.push_back({words[i].word, words[i].help});
    if (default_index == words.size() && words[i].value == *target) default_index = i;
  }
  std::vector<T> values;
  for (auto& w : words) values.push_back(std::move(w.value));
  return AddEnum(
      std::move(name), std::move(plain), default_index,
      [target, values = std::move(values)](size_t i) { *target = values[i]; }, std::move(help));
}

}  // namespace nitro::cli

#endif  // NITRO_TOOLS_FLAGS_H_
