// Logging categories of the application, declared in one place.
//
// Both default to warnings only; enable more with QT_LOGGING_RULES, for example
// QT_LOGGING_RULES="attnlab.ui.debug=true".
#pragma once

#include <QLoggingCategory>

// Messages about the numerical core: errors its calls reported on the worker thread.
Q_DECLARE_LOGGING_CATEGORY(lcCore)
// Messages about the widgets and the training controller.
Q_DECLARE_LOGGING_CATEGORY(lcUi)
