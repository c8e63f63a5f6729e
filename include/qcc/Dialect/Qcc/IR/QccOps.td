//===- QccOps.td - all qcc operations ------------------------*- tablegen -*-===//
//
// Entry point for the op definitions; each op family lives in its own file.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_OPS_TD
#define QCC_OPS_TD

include "qcc/Dialect/Qcc/IR/QccDialect.td"
include "qcc/Dialect/Qcc/IR/QccWeightOps.td"
include "qcc/Dialect/Qcc/IR/QccElementwiseOps.td"
include "qcc/Dialect/Qcc/IR/QccNNOps.td"
include "qcc/Dialect/Qcc/IR/QccShapeOps.td"
include "qcc/Dialect/Qcc/IR/QccQuantOps.td"
include "qcc/Dialect/Qcc/IR/QccQLinearOps.td"
include "qcc/Dialect/Qcc/IR/QccLLMOps.td"
include "qcc/Dialect/Qcc/IR/QccCalibOps.td"

#endif // QCC_OPS_TD
