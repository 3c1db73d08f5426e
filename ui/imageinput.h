// A user's picture in, the Vision Transformer's input out.
//
// The model was trained on Fashion-MNIST: gray images, a black background (0) and a light
// garment (up to 1). toModelImage turns any picture into that form by one rule, in this order:
//
// 1. Alpha over white. Every pixel is composited over white paper, so a transparent pixel
//    counts as white: out = a·g + (1 − a), with a the alpha and g the gray value of its colour
//    (not premultiplied), both in [0, 1]. A black pixel of alpha 128/255 gives 127/255.
// 2. Gray. g = (299·R + 587·G + 114·B) / 1000 (the ITU-R BT.601 luma weights) on the stored
//    channel values, without colour management or gamma conversion. Channels are read with 16
//    bits (8-bit values v become v·257), so 16-bit images keep their precision, and a gray
//    pixel of value v gives exactly v / 255 (or v / 65535) whether it was stored as 8-bit gray,
//    16-bit gray, RGB, RGBA with alpha 255 or a palette.
// 3. Inversion. When the mean of the border pixels (first and last row and column) is lighter
//    than 0.5, every value v becomes 1 − v: a dark garment photographed on light paper turns
//    into a light garment on black. A mean of exactly 0.5 is not inverted. The note says so.
// 4. Fit. The image is scaled, keeping its aspect ratio, to the largest size that fits in
//    cols × rows (up or down), rounded to whole pixels, and centred on a black (0) canvas of
//    cols × rows; when the padding is odd, the extra pixel goes to the right or the bottom. An
//    image that already fits one side exactly is only padded. Scaling treats each axis
//    separately, in double precision: shrinking takes the mean over each output pixel's
//    footprint (weighted by the part of each source pixel inside it); enlarging interpolates
//    linearly between pixel centres. A uniform area keeps its value.
//
// Sizes in notes are width×height in pixels, as image viewers show them, e.g. "photo.png is
// 30×29 pixels; scaled to 28×27 and padded to 28×28".
//
// JPEG is lossy: a JPEG of a picture does not load to exactly the PNG's values. The tests hold
// a quality-95 JPEG of a smooth gray picture (saved from gray or from RGB) within 4/255 of the
// PNG on every pixel and 1/255 on average.
#pragma once

#include <QImage>
#include <QString>

#include <vector>

// The largest width or height loadUserImage accepts; checked from the file's header, before the
// image is decoded.
inline constexpr int kMaxUserImageSide = 16384;
// The most pixels loadUserImage and toModelImage accept, 64 megapixels (more than a phone camera
// takes), checked the same way: toModelImage works on 8 bytes a pixel beside the decoded image,
// 512 MB at this limit. A file of a hundred bytes can declare 16384×16384 pixels.
inline constexpr qint64 kMaxUserImagePixels = 64'000'000;

struct ModelImage
{
    std::vector<float> pixels; // rows × cols, row-major; 0 black background, 1 light garment
    int rows = 0;
    int cols = 0;
    QString note; // what was done to the picture, in words for the user; empty when nothing
};

// Reads an image file with QImageReader, applying the orientation the file records (EXIF).
// Throws attnlab::InputError naming the file when it does not exist, is a folder, has a format
// Qt cannot read (the message names the format and lists the readable ones), is wider or
// higher than kMaxUserImageSide or has more than kMaxUserImagePixels pixels, or cannot be decoded
// (with Qt's reason).
QImage loadUserImage(const QString& path);

// The picture as the model's input, following the rule above; `name` names it in the note
// and in errors (e.g. the file name). Throws attnlab::InputError naming it when the image is
// empty, larger than kMaxUserImageSide or has more than kMaxUserImagePixels pixels, and when rows
// or cols is not from 1 to 4096.
ModelImage toModelImage(const QImage& image, const QString& name, int rows = 28, int cols = 28);
