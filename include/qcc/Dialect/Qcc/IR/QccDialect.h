//===- QccDialect.h - qcc dialect declaration -------------------*- C++ -*-===//
#ifndef QCC_DIALECT_QCC_IR_QCCDIALECT_H
#define QCC_DIALECT_QCC_IR_QCCDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "qcc/Dialect/Qcc/IR/QccDialect.h.inc"

#endif // QCC_DIALECT_QCC_IR_QCCDIALECT_H
