// Prints a model as hand-readable .pbtxt: one line per input, parameter, block and node.
#ifndef NITRO_GRAPH_MODEL_PRINTER_H_
#define NITRO_GRAPH_MODEL_PRINTER_H_

#include <string>

#include "proto/nitro.pb.h"

namespace nitro {

// Text format that ParseModelText reads back to an equal message.
std::string ModelToText(const proto::Model& model);

}  // namespace nitro

#endif  // NITRO_GRAPH_MODEL_PRINTER_H_
