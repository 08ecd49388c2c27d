// RenderBudget: see render_budget.h.
#include "chat/render_budget.h"

#include <string>

#include "chat/template_error.h"

namespace minke::chat {
namespace {

thread_local RenderBudget* t_current = nullptr;

}  // namespace

RenderBudget::RenderBudget(const RenderLimits& limits) : limits_(limits), previous_(t_current) {
  t_current = this;
}

RenderBudget::~RenderBudget() { t_current = previous_; }

void RenderBudget::built(size_t n, size_t unit) {
  RenderBudget* b = t_current;
  if (b == nullptr) return;
  if (n > b->limits_.max_output_bytes) {
    fail("value exceeds the size limit of " + std::to_string(b->limits_.max_output_bytes));
  }
  b->built_ += static_cast<uint64_t>(n) * unit;
  if (b->built_ > b->limits_.max_built_bytes) {
    fail("the template built more than " + std::to_string(b->limits_.max_built_bytes) +
         " bytes of values");
  }
}

void RenderBudget::growing(size_t n) {
  const RenderBudget* b = t_current;
  if (b != nullptr && n > b->limits_.max_output_bytes) {
    fail("value exceeds the size limit of " + std::to_string(b->limits_.max_output_bytes));
  }
}

}  // namespace minke::chat
