// Which compute backend runs the operations.
//
// The CPU backend (ops.h on Eigen) is always there. A CUDA backend with the same operation
// signatures is compiled only when nvcc is found and switched on only when a device is
// present at run time; this build reports what it has so the GUI and CLI can say it once.
#pragma once

#include <string>

namespace attnlab {

enum class Device
{
    Cpu,
    Cuda
};

struct DeviceReport
{
    Device device = Device::Cpu;
    std::string description; // for the status bar and the CLI, e.g. "CPU (Eigen, 2 threads)"
    std::string note;        // why the GPU is not used, when it is not; empty otherwise
};

// The device to use for a request ("auto", "cpu" or "gpu"). Throws InputError for any other
// word. Asking for "gpu" where none can be used falls back to the CPU with a note.
DeviceReport chooseDevice(const std::string& request);

} // namespace attnlab
