// A label whose text says what went wrong, drawn in a red that reads on the window: a dark red
// on a light application palette, a light one on a dark palette, and again after the palette
// changes (the theme chosen in View ▸ Theme, or the desktop's).
#pragma once

class QLabel;

namespace ErrorText {

// Draws `label`'s text in the error colour (bold when `bold`) from now on.
void mark(QLabel* label, bool bold = true);
// Back to the label's usual colour.
void unmark(QLabel* label);

} // namespace ErrorText
