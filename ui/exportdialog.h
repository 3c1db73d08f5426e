// The dialog behind "Export figure…" and "Export data…": a file name, typed or browsed for;
// its format, from the suffix or from the list; and for a figure its size in inches and the
// DPI of a PNG, with the pixel size they give.
//
// Export writes the file at once, or, when a file of that name exists and Browse did not
// already ask, once the user agrees to replace it. A failure (a folder that does not exist,
// an unknown suffix, a disk that refuses) is shown in a warning that names the file and the
// fault, and the dialog stays open with every choice as it was. The folder, the DPI and the
// figure format of a successful export are remembered (ExportSettings).
//
// Nothing here blocks: the warning and the question open window-modal, so the dialog can be
// driven from code.
#pragma once

#include "figuresource.h"

#include <QDialog>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QWidget;

class ExportDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Kind
    {
        Figure, // PNG, SVG or PDF
        Data    // the source's data formats
    };

    ExportDialog(Kind kind, FigureSource source, QWidget* parent);

    Kind kind() const { return m_kind; }
    // The file name as typed.
    QString path() const;
    // Sets the file name; a known suffix chooses the format.
    void setPath(const QString& path);
    FigureExport::Format format() const;
    // Chooses a format; the file name's suffix follows.
    void setFormat(FigureExport::Format format);
    QSizeF inches() const;
    void setInches(QSizeF inches);
    int dpi() const;
    void setDpi(int dpi);
    // The pixels of a PNG at the chosen size and DPI.
    QSize pixelSize() const;
    // What the dialog says the file will measure.
    QString sizeText() const;
    // The file an export writes: path() made absolute against the default folder, with the
    // format's suffix added when it has none; empty when no name is given.
    QString targetPath() const;

    // What the Export button does: writes targetPath(), asking first if it would replace a
    // file, and closes the dialog when the file is written.
    void exportChosen();

signals:
    void exported(const QString& path);

private:
    void createWidgets();
    void createSizeWidgets();
    void fillFormats();
    void layOut();
    void connectWidgets();
    void browse();
    void pathEdited();
    void formatChosen();
    void useScreenSize();
    void updateSize();
    void askToReplace(const QString& path);
    void write(const QString& path);
    void remember(const QString& path) const;
    void showWarning(const QString& text);
    QString fileFilters() const;

    Kind m_kind;
    FigureSource m_source;
    QString m_folder;    // relative names are taken from here
    QString m_confirmed; // a file the user agreed to replace
    QLineEdit* m_path = nullptr;
    QPushButton* m_browse = nullptr;
    QComboBox* m_format = nullptr;
    QWidget* m_sizeBox = nullptr;
    QDoubleSpinBox* m_width = nullptr;
    QDoubleSpinBox* m_height = nullptr;
    QPushButton* m_screenSize = nullptr;
    QSpinBox* m_dpi = nullptr;
    QLabel* m_pixels = nullptr;
    QLabel* m_note = nullptr;
    QPushButton* m_export = nullptr;
};
