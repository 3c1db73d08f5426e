#include "logging.h"

Q_LOGGING_CATEGORY(lcCore, "attnlab.core", QtWarningMsg)
Q_LOGGING_CATEGORY(lcUi, "attnlab.ui", QtWarningMsg)
