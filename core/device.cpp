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

// What a request finds: the report, and the backend when it can be used.
struct Found
{
    DeviceReport report;
    gpu::Backend backend;
};

Found find(const std::string& request)
{
    checkRequest(request);
    if (request == "cpu") {
        return {cpuReport({}), {}};
    }
    gpu::Backend backend = gpu::loadBackend();
    if (!backend.usable()) {
        return {cpuReport(leadOf(request) + backend.reason + "; computing on the CPU"), {}};
    }
    DeviceReport report{Device::Cuda, backend.description, {}};
    return {std::move(report), std::move(backend)};
}

} // namespace

DeviceReport chooseDevice(const std::string& request)
{
    return find(request).report;
}

TrainingDevice chooseTrainingDevice(const std::string& request)
{
    Found found = find(request);
    if (!found.backend.usable()) {
        return {std::move(found.report), nullptr};
    }
    try {
        return {std::move(found.report), std::make_shared<gpu::Session>(found.backend)};
    } catch (const gpu::GpuError& error) {
        return {cpuReport(leadOf(request) + error.what() + "; computing on the CPU"), nullptr};
    }
}

} // namespace attnlab
