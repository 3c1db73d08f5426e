// The core's error messages start in lower case so that callers can prefix them; shown on
// their own, they should read as a sentence.
#pragma once

#include <QString>

#include <exception>
#include <string>

inline QString userMessage(const std::string& message)
{
    QString text = QString::fromStdString(message);
    if (!text.isEmpty()) {
        text[0] = text[0].toUpper();
    }
    return text;
}

inline QString userMessage(const std::exception& error)
{
    return userMessage(std::string(error.what()));
}
