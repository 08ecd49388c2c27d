// Value-parameterized tests over every kernel path compiled into the binary (kernel_paths()):
// each test runs once per path, so a new ISA folder is covered without anyone listing it here,
// and a path this CPU cannot run is reported as a skipped test ("skipped: CPU lacks ..."),
// never dropped silently.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernels/kernel_table.h"

namespace minke::testing {

// The names of the compiled paths, lowest first ("ref" first).
inline std::vector<std::string> kernel_path_names() {
  std::vector<std::string> out;
  for (const KernelPath& p : kernel_paths()) out.emplace_back(p.name);
  return out;
}

// For INSTANTIATE_TEST_SUITE_P: the test is named after the path ("ref", "avx2", ...).
inline std::string kernel_path_test_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

// A test fixture whose parameter is a kernel path name: SetUp skips (visibly, with the features
// the CPU lacks) when the host cannot run it; table() is the path's kernel table otherwise.
class KernelPathTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    for (const KernelPath& p : kernel_paths()) {
      if (GetParam() != p.name) continue;
      if (p.table == nullptr) {
        GTEST_SKIP() << "skipped: CPU lacks " << p.missing << " (kernel path " << p.name
                     << ", needs " << p.needs << ")";
      }
      table_ = p.table;
    }
    ASSERT_NE(table_, nullptr) << "no kernel path named " << GetParam();
  }
  const KernelTable& table() const { return *table_; }

 private:
  const KernelTable* table_ = nullptr;
};

}  // namespace minke::testing
