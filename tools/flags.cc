#include "tools/flags.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace nitro::cli {
namespace {

constexpr size_t kHelpWidth = 100;    // the help is wrapped to this many columns
constexpr size_t kMaxLeftWidth = 26;  // a longer row head puts its text on the next line

// Splits `text` at whitespace into lines of at most `width` characters (a longer word stands alone).
std::vector<std::string> Wrap(absl::string_view text, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  for (absl::string_view word : absl::StrSplit(text, absl::ByAnyChar(" \n"), absl::SkipEmpty())) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(std::move(line));
      line.clear();
    }
    absl::StrAppend(&line, line.empty() ? "" : " ", word);
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

// `indent` spaces, `left` padded to `left_width`, two spaces, then `text` wrapped to the help
// width with its continuation lines under its first.
std::string FormatRow(size_t indent, absl::string_view left, size_t left_width, absl::string_view text) {
  const std::string pad(indent, ' ');
  std::string out = absl::StrCat(pad, left);
  const size_t column = indent + left_width + 2;
  if (left.size() > left_width) {
    absl::StrAppend(&out, "\n", std::string(column, ' '));
  } else {
    out.append(column - indent - left.size(), ' ');
  }
  const std::vector<std::string> lines = Wrap(text, column < kHelpWidth - 20 ? kHelpWidth - column : 20);
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : std::string(column, ' '), lines[i], "\n");
  }
  if (lines.empty()) out.push_back('\n');
  return out;
}

size_t LeftWidth(const std::vector<std::string>& lefts) {
  size_t width = 0;
  for (const auto& l : lefts) {
    if (l.size() <= kMaxLeftWidth) width = std::max(width, l.size());
  }
  return width;
}

std::string NormalizedName(absl::string_view name) {
  std::string n(name);
  std::replace(n.begin(), n.end(), '_', '-');
  return n;
}

std::string Alternatives(const std::vector<std::string>& words) {
  if (words.size() < 2) return absl::StrJoin(words, "");
  std::vector<std::string> head(words.begin(), words.end() - 1);
  return absl::StrCat(absl::StrJoin(head, ", "), " or ", words.back());
}

bool IsHelp(absl::string_view arg) { return arg == "--help" || arg == "-h" || arg == "--h"; }

}  // namespace

FlagSet::Flag& FlagSet::Flag::Value(std::string placeholder) {
  this->placeholder = std::move(placeholder);
  return *this;
}

FlagSet::Flag& FlagSet::Flag::DefaultText(std::string text) {
  default_text = std::move(text);
  return *this;
}

FlagSet::Flag& FlagSet::Flag::Required() {
  required = true;
  return *this;
}

FlagSet::FlagSet(std::string program, std::string description)
    : program_(std::move(program)), description_(std::move(description)) {}

FlagSet::~FlagSet() = default;

FlagSet::Flag& FlagSet::Add(Flag::Kind kind, std::string name, std::string help) {
  auto flag = std::make_unique<Flag>();
  flag->kind = kind;
  flag->name = std::move(name);
  flag->help = std::move(help);
  flags_.push_back(std::move(flag));
  return *flags_.back();
}

FlagSet::Flag& FlagSet::String(std::string name, std::string* target, std::string help) {
  Flag& f = Add(Flag::Kind::kString, std::move(name), std::move(help));
  f.placeholder = "VALUE";
  f.default_text = target->empty() ? "none" : *target;
  f.set = [target](const std::string& text) {
    *target = text;
    return absl::OkStatus();
  };
  return f;
}

FlagSet::Flag& FlagSet::Int64(std::string name, int64_t* target, std::string help) {
  Flag& f = Add(Flag::Kind::kInt, std::move(name), std::move(help));
  f.placeholder = "N";
  f.default_text = absl::StrCat(*target);
  f.set = [target, flag = f.name](const std::string& text) {
    if (!absl::SimpleAtoi(text, target)) {
      return absl::InvalidArgumentError(absl::StrCat("--", flag, " expects an integer, got '", text, "'"));
    }
    return absl::OkStatus();
  };
  return f;
}

FlagSet::Flag& FlagSet::Int(std::string name, int* target, std::string help) {
  Flag& f = Add(Flag::Kind::kInt, std::move(name), std::move(help));
  f.placeholder = "N";
  f.default_text = absl::StrCat(*target);
  f.set = [target, flag = f.name](const std::string& text) {
    int64_t wide;
    if (!absl::SimpleAtoi(text, &wide)) {
      return absl::InvalidArgumentError(absl::StrCat("--", flag, " expects an integer, got '", text, "'"));
    }
    if (!absl::SimpleAtoi(text, target)) {
      return absl::InvalidArgumentError(absl::StrCat("--", flag, " is out of range: '", text, "'"));
    }
    return absl::OkStatus();
  };
  return f;
}

FlagSet::Flag& FlagSet::Bool(std::string name, bool* target, std::string help) {
  Flag& f = Add(Flag::Kind::kBool, std::move(name), std::move(help));
  f.default_text = *target ? "true" : "";  // an absent bool is off: no "(default: false)"
  f.set = [target, flag = f.name](const std::string& text) {
    if (text == "true" || text == "1") {
      *target = true;
    } else if (text == "false" || text == "0") {
      *target = false;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", flag, " expects true or false, got '", text, "'"));
    }
    return absl::OkStatus();
  };
  return f;
}

FlagSet::Flag& FlagSet::AddEnum(std::string name, std::vector<Flag::Word> words, size_t default_index,
                                std::function<void(size_t)> set_index, std::string help) {
  Flag& f = Add(Flag::Kind::kEnum, std::move(name), std::move(help));
  std::vector<std::string> plain;
  for (const auto& w : words) plain.push_back(w.word);
  f.placeholder = absl::StrJoin(plain, "|");
  f.default_text = default_index < words.size() ? words[default_index].word : "none";
  f.words = std::move(words);
  f.set = [plain, set_index = std::move(set_index), flag = f.name](const std::string& text) {
    const auto it = std::find(plain.begin(), plain.end(), text);
    if (it == plain.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, " expects ", Alternatives(plain), ", got '", text, "'"));
    }
    set_index(static_cast<size_t>(it - plain.begin()));
    return absl::OkStatus();
  };
  return f;
}

void FlagSet::Positional(std::string name, std::string* target, std::string help) {
  positionals_.push_back({std::move(name), std::move(help), target});
}

void FlagSet::RepeatedPositional(std::string name, std::vector<std::string>* target, std::string help) {
  positionals_.push_back({absl::StrCat(name, "..."), std::move(help), nullptr, target});
}

FlagSet::Flag* FlagSet::Find(absl::string_view name) {
  for (auto& f : flags_) {
    if (f->name == name) return f.get();
  }
  return nullptr;
}

// Reads the flag at args[*i] (and its value from args[*i + 1] in the `--name value` form, then
// advancing *i past it).
absl::Status FlagSet::ParseFlag(const std::vector<std::string>& args, size_t* i, std::vector<const Flag*>* seen) {
  const std::string& arg = args[*i];
  const size_t eq = arg.find('=');
  const std::string spelled = arg.substr(0, eq);
  auto unknown = [&] { return absl::InvalidArgumentError(absl::StrCat("unknown flag '", spelled, "'")); };
  if (!absl::StartsWith(arg, "--")) return unknown();
  const std::string name = NormalizedName(absl::string_view(spelled).substr(2));
  Flag* flag = Find(name);
  if (flag == nullptr) {
    // `--no-name` for a bool.
    Flag* negated = absl::StartsWith(name, "no-") ? Find(name.substr(3)) : nullptr;
    if (negated == nullptr || negated->kind != Flag::Kind::kBool || eq != std::string::npos) return unknown();
    seen->push_back(negated);
    return negated->set("false");
  }
  std::string value;
  if (eq != std::string::npos) {
    value = arg.substr(eq + 1);
  } else if (flag->kind == Flag::Kind::kBool) {
    value = "true";
  } else if (*i + 1 < args.size() && !absl::StartsWith(args[*i + 1], "--")) {
    value = args[++*i];
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag->name, " needs a value (--", flag->name, "=", flag->placeholder, ")"));
  }
  seen->push_back(flag);
  return flag->set(value);
}

absl::StatusOr<FlagSet::Outcome> FlagSet::TryParse(const std::vector<std::string>& args) {
  for (const auto& arg : args) {
    if (arg == "--") break;
    if (IsHelp(arg)) return Outcome::kHelp;
  }
  std::vector<const Flag*> seen;
  size_t positional = 0;
  bool flags_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!flags_ended && arg == "--") {
      flags_ended = true;
    } else if (!flags_ended && arg.size() > 1 && arg[0] == '-') {
      absl::Status s = ParseFlag(args, &i, &seen);
      if (!s.ok()) return s;
    } else if (positional < positionals_.size()) {
      const PositionalArg& p = positionals_[positional];
      if (p.list != nullptr) {
        p.list->push_back(arg);  // stays the current one: it takes every further argument
      } else {
        *p.target = arg;
        ++positional;
      }
    } else if (positionals_.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument '", arg, "' (takes no positional arguments)"));
    } else {
      std::vector<std::string> names;
      for (const auto& p : positionals_) names.push_back(p.name);
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument '", arg, "' (takes ", absl::StrJoin(names, " "), ")"));
    }
  }
  if (positional < positionals_.size() &&
      (positionals_[positional].list == nullptr || positionals_[positional].list->empty())) {
    return absl::InvalidArgumentError(absl::StrCat("missing ", positionals_[positional].name));
  }
  for (const auto& f : flags_) {
    if (f->required && std::find(seen.begin(), seen.end(), f.get()) == seen.end()) {
      return absl::InvalidArgumentError(absl::StrCat("missing --", f->name, "=", f->placeholder));
    }
  }
  return Outcome::kRun;
}

std::optional<int> FlagSet::Parse(const std::vector<std::string>& args) {
  absl::StatusOr<Outcome> outcome = TryParse(args);
  if (!outcome.ok()) return UsageError(outcome.status().message());
  if (*outcome == Outcome::kHelp) {
    std::fputs(Help().c_str(), stdout);
    return 0;
  }
  return std::nullopt;
}

int FlagSet::UsageError(absl::string_view problem) const {
  const std::string line = absl::StrCat(program_, ": ", problem, "; see '", program_, " --help'\n");
  std::fputs(line.c_str(), stderr);
  return 2;
}

int FlagSet::Fail(const absl::Status& status) const {
  const std::string line = absl::StrCat(program_, ": ", status.message(), "\n");
  std::fputs(line.c_str(), stderr);
  return 1;
}

// `usage: PROGRAM POSITIONAL... --required=X [--flag=X]...`, or `[flags]` for the optional flags
// when listing them would make the line wider than the help.
std::string FlagSet::UsageLine() const {
  std::string line = absl::StrCat("usage: ", program_);
  for (const auto& p : positionals_) absl::StrAppend(&line, " ", p.name);
  std::string optional;
  for (const auto& f : flags_) {
    const std::string spelled =
        f->kind == Flag::Kind::kBool ? absl::StrCat("--", f->name) : absl::StrCat("--", f->name, "=", f->placeholder);
    if (f->required) {
      absl::StrAppend(&line, " ", spelled);
    } else {
      absl::StrAppend(&optional, " [", spelled, "]");
    }
  }
  return absl::StrCat(line,
                      line.size() + optional.size() <= kHelpWidth ? optional : (flags_.empty() ? "" : " [flags]"));
}

std::string FlagSet::Help() const {
  std::string out = absl::StrCat(UsageLine(), "\n");
  for (absl::string_view paragraph : absl::StrSplit(description_, "\n\n", absl::SkipWhitespace())) {
    out.push_back('\n');
    // An indented paragraph (an example, a list) is kept as written.
    if (absl::StartsWith(paragraph, "  ")) {
      absl::StrAppend(&out, paragraph, absl::EndsWith(paragraph, "\n") ? "" : "\n");
      continue;
    }
    for (const auto& l : Wrap(paragraph, kHelpWidth)) absl::StrAppend(&out, l, "\n");
  }
  if (!positionals_.empty()) {
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& p : positionals_) rows.emplace_back(p.name, p.help);
    absl::StrAppend(&out, "\narguments:\n", FormatHelpRows(rows));
  }
  std::vector<std::string> lefts;
  for (const auto& f : flags_) {
    lefts.push_back(f->kind == Flag::Kind::kBool ? absl::StrCat("--", f->name)
                                                 : absl::StrCat("--", f->name, "=", f->placeholder));
  }
  lefts.push_back("-h, --help");
  const size_t width = LeftWidth(lefts);
  absl::StrAppend(&out, "\nflags:\n");
  for (size_t i = 0; i < flags_.size(); ++i) {
    const Flag& f = *flags_[i];
    const std::string suffix = f.required               ? " (required)"
                               : f.default_text.empty() ? ""
                                                        : absl::StrCat(" (default: ", f.default_text, ")");
    absl::StrAppend(&out, FormatRow(2, lefts[i], width, absl::StrCat(f.help, suffix)));
    std::vector<std::string> words;
    for (const auto& w : f.words) {
      if (!w.help.empty()) words.push_back(w.word);
    }
    const size_t word_width = LeftWidth(words);
    for (const auto& w : f.words) {
      if (!w.help.empty()) absl::StrAppend(&out, FormatRow(2 + width + 4, w.word, word_width, w.help));
    }
  }
  absl::StrAppend(&out, FormatRow(2, lefts.back(), width, "print this help"));
  return out;
}

std::string FormatHelpRows(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::vector<std::string> lefts;
  for (const auto& r : rows) lefts.push_back(r.first);
  const size_t width = LeftWidth(lefts);
  std::string out;
  for (const auto& r : rows) absl::StrAppend(&out, FormatRow(2, r.first, width, r.second));
  return out;
}

}  // namespace nitro::cli
