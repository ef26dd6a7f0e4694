// main() of the `nitro` binaries (//tools:nitro and those that add ops, see tools/BUILD.bazel).
#include <string>
#include <vector>

#include "tools/commands.h"

int main(int argc, char** argv) { return nitro::cli::RunNitro(std::vector<std::string>(argv + 1, argv + argc)); }
