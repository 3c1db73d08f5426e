// Which compute backend runs the operations.
//
// The CPU backend (ops.h on Eigen) is always there. A CUDA backend with the same operations
// (gpubackend.h) is compiled only when nvcc is found, and loaded at run time only when the
// driver, the CUDA libraries and a GPU are there; chooseDevice reports what it found so the GUI
// and CLI can say it once, and chooseTrainingDevice opens a session on the GPU for a trainer's
// trainOn() (the lesson's head, the text transformer and the Vision Transformer: devicetoy.h,
// devicetext.h, devicevit.h).
#pragma once

#include <memory>
#include <string>

namespace attnlab {

namespace gpu {
class Session;
}

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
// word. "cpu" loads nothing. Where no GPU can be used, "auto" and "gpu" fall back to the CPU
// with a note that gives the reason ("no CUDA driver: …"); where one can, the report is
// Device::Cuda and names it ("CUDA: NVIDIA H200, 140 GiB").
DeviceReport chooseDevice(const std::string& request);

// The device a model trains on: a session on the GPU when one is used.
struct TrainingDevice
{
    DeviceReport report;                   // Device::Cuda when `session` is there
    std::shared_ptr<gpu::Session> session; // the GPU to train on (trainOn()); or null
};
// Like chooseDevice, and opens a session on the GPU when one can be used; a GPU that cannot
// start a session gives the CPU with a note that says why.
TrainingDevice chooseTrainingDevice(const std::string& request);

} // namespace attnlab
