// Precompiled header shared by every translation unit of the addon (CMake target_precompile_headers).
// Narrow on purpose: ATen and N-API only, never torch/torch.h (25-35 s per TU on 2 cores: docs/ARCHITECTURE.md).
#pragma once
#include <napi.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/ScalarOps.h>

#include <optional>
#include <string>
#include <vector>
