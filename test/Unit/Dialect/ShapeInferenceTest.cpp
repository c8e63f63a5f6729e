//===- ShapeInferenceTest.cpp - unit tests of the shared shape rules ------===//
#include "qcc/Dialect/Qcc/IR/ShapeInference.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include <gtest/gtest.h>

using namespace qcc;
static constexpr int64_t kDyn = mlir::ShapedType::kDynamic;

TEST(ShapeInference, Broadcast) {
  auto s = broadcastShapes({2, 1, 4}, {3, 1});
  ASSERT_TRUE(mlir::succeeded(s));
  EXPECT_EQ(*s, (Shape{2, 3, 4}));
  EXPECT_TRUE(mlir::failed(broadcastShapes({2, 3}, {4})));
  auto d = broadcastShapes({kDyn, 4}, {5, 1});
  ASSERT_TRUE(mlir::succeeded(d));
  EXPECT_EQ(*d, (Shape{5, 4}));
}

TEST(ShapeInference, MatMul) {
  EXPECT_EQ(*inferMatMulShape({8, 5, 64}, {64, 32}), (Shape{8, 5, 32}));
  EXPECT_EQ(*inferMatMulShape({64}, {64, 32}), (Shape{32}));
  EXPECT_EQ(*inferMatMulShape({3, 64}, {64}), (Shape{3}));
  std::string why;
  EXPECT_TRUE(mlir::failed(inferMatMulShape({3, 4}, {5, 6}, &why)));
  EXPECT_NE(why.find("contraction"), std::string::npos);
}

TEST(ShapeInference, ConvAndPool) {
  auto c = inferConvShape({1, 3, 224, 224}, {32, 3, 3, 3}, {2, 2}, {1, 1, 1, 1},
                          {1, 1}, 1);
  EXPECT_EQ(*c, (Shape{1, 32, 112, 112}));
  auto p = inferPoolShape({1, 8, 5, 5}, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}, true);
  EXPECT_EQ(*p, (Shape{1, 8, 3, 3}));
  auto t = inferConvTransposeShape({1, 8, 16, 16}, {8, 4, 2, 2}, {2, 2},
                                   {0, 0, 0, 0}, {1, 1}, {0, 0}, 1);
  EXPECT_EQ(*t, (Shape{1, 4, 32, 32}));
}

TEST(ShapeInference, SliceLength) {
  int64_t start = -3;
  EXPECT_EQ(sliceLength(10, start, 1000, 1), 3);
  EXPECT_EQ(start, 7);
  start = 9;
  EXPECT_EQ(sliceLength(10, start, -1000, -2), 5);
  start = 5;
  EXPECT_EQ(sliceLength(10, start, 2, 1), 0);
}
