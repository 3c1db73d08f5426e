#include "device.h"

#include "errors.h"
#include "gpubackend.h"

#include <Eigen/Core>

namespace attnlab {

namespace {

DeviceReport cpuReport(std::string note)
{
    DeviceReport r;
    r.device = Device::Cpu;
    r.description = "CPU (Eigen, " + std::to_string(Eigen::nbThreads()) + " thread" +
                    (Eigen::nbThreads() == 1 ? "" : "s") + ")";
    r.note = std::move(note);
    return r;
}

void checkRequest(const std::string& request)
{
    if (request != "auto" && request != "cpu" && request != "gpu") {
        throw InputError("the device \"" + request + "\" is unknown: use auto, cpu or gpu");
    }
}

std::string leadOf(const std::string& request)
{
    return request == "gpu" ? "a GPU was asked for but cannot be used: " : "no GPU in use: ";
}

} // namespace

TrainingDevice chooseTrainingDevice(const std::string& request)
{
    checkRequest(request);
    if (request == "cpu") {
        return {cpuReport({}), nullptr};
    }
    const gpu::Backend backend = gpu::loadBackend();
    if (!backend.usable()) {
        return {cpuReport(leadOf(request) + backend.reason + "; computing on the CPU"), nullptr};
    }
    try {
        TrainingDevice d{{Device::Cuda, backend.description, {}},
                         std::make_shared<gpu::Session>(backend)};
        return d;
    } catch (const gpu::GpuError& error) {
        return {cpuReport(leadOf(request) + error.what() + "; computing on the CPU"), nullptr};
    }
}

DeviceReport chooseDevice(const std::string& request)
{
    checkRequest(request);
    if (request == "cpu") {
        return cpuReport({});
    }
    const gpu::Backend backend = gpu::loadBackend();
    if (!backend.usable()) {
        return cpuReport(leadOf(request) + backend.reason + "; computing on the CPU");
    }
    return {Device::Cuda, backend.description, {}};
}

} // namespace attnlab
