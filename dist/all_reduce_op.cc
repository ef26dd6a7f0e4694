// The AllReduce op of data-parallel training: y = the sum over all ranks of x, as uint32 modulo
// 2^32 (exactly the int32 sum one process computes over the whole batch). Inserted by
// ShardTrainingGraph (dist/data_parallel.h) before every IntegerSGD; it reduces through
// ProcessCommunicator(). Declared Stochastic() so that the flow executor chains these nodes in
// topological order: every rank then issues its collectives in the same order, as MPI requires,
// while the rest of the graph (the next block's forward pass) runs beside them.
#include "absl/strings/str_cat.h"
#include "dist/communicator.h"
#include "graph/op_registry.h"

namespace nitro {
namespace {

absl::Status AllReduceShape(ShapeContext& ctx) {
  ctx.set_output(0, ctx.input(0).dtype, ctx.input(0).shape);
  return absl::OkStatus();
}

absl::Status AllReduceKernel(KernelContext& ctx) {
  Communicator* comm = ProcessCommunicator();
  if (comm == nullptr) {
    return absl::FailedPreconditionError("AllReduce needs the process communicator (SetProcessCommunicator)");
  }
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0);
  const size_t n = static_cast<size_t>(x.size());
  return comm->AllReduceSumU32(absl::MakeConstSpan(static_cast<const uint32_t*>(x.raw()), n),
                               absl::MakeSpan(static_cast<uint32_t*>(y.raw()), n));
}

NITRO_REGISTER_OP(OpDef("AllReduce")
                      .Doc("Data parallelism: the sum of x over all ranks, modulo 2^32. Chained in topological "
                           "order with the stochastic nodes, so every rank reduces in the same order.")
                      .Input("x", {kInt32})
                      .Output("y")
                      .SetShapeFn(AllReduceShape)
                      .SetKernel(AllReduceKernel)
                      .NoGradient()
                      .Stochastic());

}  // namespace
}  // namespace nitro
