// The subcommands of the `nitro` command-line tool; each lives in its own cmd_*.cc file and
// declares its flags with tools/flags.h.
#ifndef NITRO_TOOLS_COMMANDS_H_
#define NITRO_TOOLS_COMMANDS_H_

#include <string>
#include <vector>

namespace nitro::cli {

// A subcommand receives its own arguments (argv after the subcommand name) and returns the
// process exit code: 0 on success and after --help, 1 for an error at run time, 2 for a usage error.
using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  const char* name;
  const char* summary;
  CommandFn run;
};

int RunShow(const std::vector<std::string>& args);
int RunDerive(const std::vector<std::string>& args);
int RunExportTensors(const std::vector<std::string>& args);
int RunTrain(const std::vector<std::string>& args);
int RunEval(const std::vector<std::string>& args);
int RunExportC(const std::vector<std::string>& args);
int RunPredict(const std::vector<std::string>& args);

// `nitro ARGS...` (argv after the program name): dispatches ARGS[0] to its subcommand, or prints
// the command list for --help (exit 0) and, to stderr, with no or an unknown command (exit 2).
int RunNitro(const std::vector<std::string>& args);

}  // namespace nitro::cli

#endif  // NITRO_TOOLS_COMMANDS_H_
