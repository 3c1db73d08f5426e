#include "device.h"

#include "errors.h"
#include "gpubackend.h"

#include <Eigen/Core>

namespace attnlab {

namespace {

const std::string kCpuStill = "the models still compute on the CPU in this version";

DeviceReport cpuReport(std::string note)
{
    DeviceReport r;
    r.device = Device::Cpu;
    r.description = "CPU (Eigen, " + std::to_string(Eigen::nbThreads()) + " thread" +
                    (Eigen::nbThreads() == 1 ? "" : "s") + ")";
    r.note = std::move(note);
    return r;
}

} // namespace

DeviceReport chooseDevice(const std::string& request)
{
    if (request != "auto" && request != "cpu" && request != "gpu") {
        throw InputError("the device \"" + request + "\" is unknown: use auto, cpu or gpu");
    }
    if (request == "cpu") {
        return cpuReport({});
    }
    const gpu::Backend backend = gpu::loadBackend();
    if (!backend.usable()) {
        const std::string lead =
            request == "gpu" ? "a GPU was asked for but cannot be used: " : "no GPU in use: ";
        return cpuReport(lead + backend.reason + "; computing on the CPU");
    }
    // TODO(cuda): the operations run on the GPU (gpubackend.h) but the models do not use them
    // yet; until they do, say that the device is there and that the CPU computes.
    DeviceReport r = cpuReport(request == "gpu" ? kCpuStill : std::string());
    r.description += "; CUDA device found: " + backend.summary + "; " + kCpuStill;
    return r;
}

} // namespace attnlab
