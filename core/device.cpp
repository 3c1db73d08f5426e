#include "device.h"

#include "errors.h"

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

} // namespace

DeviceReport chooseDevice(const std::string& request)
{
    if (request != "auto" && request != "cpu" && request != "gpu") {
        throw InputError("the device \"" + request + "\" is unknown: use auto, cpu or gpu");
    }
    if (request == "cpu") {
        return cpuReport({});
    }
    // TODO(cuda): this build has no CUDA backend yet; the operations run on the CPU only.
    return cpuReport("no GPU backend in this build: computing on the CPU");
}

} // namespace attnlab
