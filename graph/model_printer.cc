#include "graph/model_printer.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"

namespace nitro {

std::string ModelToText(const proto::Model& model) {
  google::protobuf::TextFormat::Printer line;
  line.SetSingleLineMode(true);
  google::protobuf::TextFormat::Printer block;
  const auto* desc = model.GetDescriptor();
  const auto* refl = model.GetReflection();
  std::string out;
  for (int f = 0; f < desc->field_count(); ++f) {
    const auto* field = desc->field(f);
    if (field->is_repeated()) {
      const int n = refl->FieldSize(model, field);
      for (int i = 0; i < n; ++i) {
        if (field->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
          std::string text;
          line.PrintToString(refl->GetRepeatedMessage(model, field, i), &text);
          while (!text.empty() && text.back() == ' ') text.pop_back();
          absl::StrAppend(&out, field->name(), " { ", text, " }\n");
        } else {
          std::string text;
          line.PrintFieldValueToString(model, field, i, &text);
          absl::StrAppend(&out, field->name(), ": ", text, "\n");
        }
      }
      if (n > 0) out += "\n";
    } else if (refl->HasField(model, field)) {
      if (field->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
        std::string text;
        block.PrintToString(refl->GetMessage(model, field), &text);
        std::string indented;
        for (size_t i = 0; i < text.size(); ++i) {
          if (i == 0 || text[i - 1] == '\n') indented += "  ";
          indented += text[i];
        }
        absl::StrAppend(&out, field->name(), " {\n", indented, "}\n");
      } else {
        std::string text;
        line.PrintFieldValueToString(model, field, -1, &text);
        absl::StrAppend(&out, field->name(), ": ", text, "\n");
      }
    }
  }
  return out;
}

}  // namespace nitro
