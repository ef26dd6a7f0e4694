// The subcommands of the `nitro` command-line tool; each lives in its own cmd_*.cc file.
#ifndef NITRO_TOOLS_COMMANDS_H_
#define NITRO_TOOLS_COMMANDS_H_

#include <string>
#include <vector>

namespace nitro::cli {

// A subcommand receives its own arguments (argv after the subcommand name) and returns the
// process exit code. It prints its own --help.
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

}  // namespace nitro::cli

#endif  // NITRO_TOOLS_COMMANDS_H_
