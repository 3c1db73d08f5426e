#include "workerqueue.h"

void CommandQueue::post(Command command)
{
    {
        std::lock_guard lock(m_mutex);
        m_commands.push_back(std::move(command));
        m_interrupt = true;
    }
    m_wake.notify_one();
}

void CommandQueue::quit()
{
    {
        std::lock_guard lock(m_mutex);
        m_quit = true;
        m_interrupt = true;
    }
    m_wake.notify_one();
}

bool CommandQueue::next(Command& command, std::optional<Clock::time_point> wakeAt)
{
    std::unique_lock lock(m_mutex);
    const auto ready = [this] { return m_quit || !m_commands.empty(); };
    if (!wakeAt) {
        m_wake.wait(lock, ready);
    } else if (*wakeAt > Clock::now()) {
        m_wake.wait_until(lock, *wakeAt, ready);
    }
    if (m_quit) {
        return false;
    }
    if (!m_commands.empty()) {
        command = std::move(m_commands.front());
        m_commands.pop_front();
    }
    m_interrupt = !m_commands.empty();
    return true;
}
