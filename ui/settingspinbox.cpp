#include "settingspinbox.h"

#include <QRegularExpression>

SettingSpinBox::SettingSpinBox(QWidget* parent) : QSpinBox(parent)
{
    setKeyboardTracking(false); // one change per edit, not one per keystroke
    connect(this, &QAbstractSpinBox::editingFinished, this, &SettingSpinBox::reportRefusal);
    // A refusal noted by an edit that did not end (an arrow step) is outdated by a new value.
    connect(this, &QSpinBox::valueChanged, this, [this] { m_refused.clear(); });
}

// A whole number outside the range is Intermediate rather than Invalid: it stays as typed,
// and the end of the edit refuses it.
QValidator::State SettingSpinBox::validate(QString& text, int& pos) const
{
    const QValidator::State state = QSpinBox::validate(text, pos);
    if (state != QValidator::Invalid) {
        return state;
    }
    static const QRegularExpression number(QStringLiteral("^\\s*[-+]?[0-9]+\\s*$"));
    QString digits = text;
    digits.remove(locale().groupSeparator());
    return number.match(digits).hasMatch() ? QValidator::Intermediate : QValidator::Invalid;
}

void SettingSpinBox::fixup(QString& text) const
{
    const QString typed = text.trimmed();
    QSpinBox::fixup(text);
    QString fixed = text;
    int pos = 0;
    if (!typed.isEmpty() && validate(fixed, pos) != QValidator::Acceptable) {
        m_refused = typed;
    }
}

void SettingSpinBox::reportRefusal()
{
    if (m_refused.isEmpty()) {
        return;
    }
    const QString text = m_refused;
    m_refused.clear();
    emit refused(text);
}
