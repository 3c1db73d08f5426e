// What a worker thread that owns a trainer needs to talk to the UI thread: a queue of commands
// in, and a slot for the latest frame out.
//
// CommandQueue: posting a command (any thread) raises an atomic interrupt flag that a training
// loop reads between two steps, so a command waits for at most one step or epoch. The worker
// takes commands with next(), which blocks while there is nothing to do.
//
// FrameSlot: the latest frame, shared with readers as an immutable value. A frame of an older
// generation (a model since replaced) is dropped, so a rebuild's first frame is never
// overwritten by one of the model it replaced. Frame needs `generation` and `version` fields.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

class CommandQueue
{
public:
    using Clock = std::chrono::steady_clock;
    using Command = std::function<void()>;

    // Any thread.
    void post(Command command);
    // Makes next() return false from now on.
    void quit();
    // True while a command waits or quit() was called: a training loop stops to take it.
    bool interrupted() const { return m_interrupt; }

    // Worker thread. Waits for a command, quit(), or `wakeAt` (nothing: no time limit; a time
    // already past: no wait at all), then moves the first command, if any, into `command`.
    // False once quit() was called.
    bool next(Command& command, std::optional<Clock::time_point> wakeAt);

private:
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Command> m_commands;
    bool m_quit = false;
    std::atomic<bool> m_interrupt{false};
};

template <typename Frame> class FrameSlot
{
public:
    // Any thread.
    void store(Frame frame)
    {
        std::lock_guard lock(m_mutex);
        if (m_slot && frame.generation < m_slot->generation) {
            return;
        }
        frame.version = ++m_version;
        m_slot = std::make_shared<const Frame>(std::move(frame));
    }

    std::shared_ptr<const Frame> latest() const
    {
        std::lock_guard lock(m_mutex);
        return m_slot;
    }

private:
    mutable std::mutex m_mutex;
    std::shared_ptr<const Frame> m_slot;
    std::uint64_t m_version = 0;
};
