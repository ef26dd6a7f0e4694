"""A repository rule that exposes Debian's system C++ libraries to Bazel through pkg-config."""

# Each entry: target name -> pkg-config modules whose flags it carries.
_LIBS = {
    "absl": [
        "absl_status",
        "absl_statusor",
        "absl_strings",
        "absl_str_format",
        "absl_flat_hash_map",
        "absl_flat_hash_set",
        "absl_flags",
        "absl_flags_parse",
        "absl_flags_usage",
        "absl_time",
        "absl_synchronization",
        "absl_span",
    ],
    "protobuf": ["protobuf"],
    "tbb": ["tbb"],
    "gtest": ["gtest", "gmock"],
    "gtest_main": ["gtest_main", "gmock"],
    "zlib": ["zlib"],
}

def _pkg_config(ctx, flag, modules):
    result = ctx.execute(["pkg-config", flag] + modules)
    if result.return_code != 0:
        fail("pkg-config %s %s failed (run ./bazelw, which installs the Debian packages): %s" %
             (flag, " ".join(modules), result.stderr))
    return [f for f in result.stdout.strip().split(" ") if f]

# Open MPI's C API (dist/). Its headers live outside the compiler's system directories, so they are
# linked into this repository and declared, which Bazel's inclusion check requires.
def _mpi_library(ctx):
    linkopts = _pkg_config(ctx, "--libs", ["ompi-c"])
    includes = [f[2:] for f in _pkg_config(ctx, "--cflags-only-I", ["ompi-c"])]
    if not includes:
        fail("pkg-config --cflags-only-I ompi-c names no include directory (run ./bazelw, which installs libopenmpi-dev)")
    ctx.symlink(includes[0], "mpi_include")
    return ("cc_library(name = \"mpi\", hdrs = glob([\"mpi_include/**/*.h\"]), includes = [\"mpi_include\"], " +
            "defines = [\"OMPI_SKIP_MPICXX=1\"], linkopts = %r)" % (linkopts + ["-lpthread"]))

def _system_libs_impl(ctx):
    build = ['package(default_visibility = ["//visibility:public"])', ""]
    for name, modules in _LIBS.items():
        linkopts = _pkg_config(ctx, "--libs", modules)
        cflags = [f for f in _pkg_config(ctx, "--cflags", modules) if not f.startswith("-I/usr/include")]
        if name == "gtest_main":
            deps = ', deps = [":gtest"]'
        else:
            deps = ""
        build.append("cc_library(name = %r, linkopts = %r, copts = %r%s)" % (name, linkopts + ["-lpthread"], cflags, deps))
    build.append(_mpi_library(ctx))
    ctx.file("BUILD.bazel", "\n".join(build) + "\n")
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)

system_libs = repository_rule(
    implementation = _system_libs_impl,
    local = True,
    doc = "Generates cc_library targets carrying the link flags of Debian's -dev packages.",
)
