// A saved session of the "Vision Transformer" tab: where the images came from (not the images:
// the folder and how many were kept, so that loading finds them again), the settings, the
// trainer's whole state between two steps (vittrainer.h), the curves the window draws, and the
// window's view. Loading it, with the same images, gives a trainer that goes on exactly as if
// it had never stopped.
//
// The file (sessionio.h has the pieces and the header):
//
//   attnlab-session 1
//   kind vision-transformer
//   data <folder to the end of the line>   where the Fashion-MNIST files were read; nothing
//                                          after the space: findFashionMnist's default
//   limits <train> <test>                  the first N images of each set were kept; 0: all
//   setting <name> <value>                 image-rows, image-cols, patch, embed, heads,
//                                          head-size, layers, mlp-width, mlp, layer-norm,
//                                          residual, dropout, classes, seed, batch-size,
//                                          learning-rate, epochs, shuffle
//   images <count>                         the training images it was trained on
//   position <epoch> <steps> <next> <epoch-images>
//   order <count>, then the epoch's image order on one line
//   epoch-sum <number>
//   diverged <0|1>
//   message <text to the end of the line>
//   losses <count>, then the epoch losses on one line
//   step-losses <count>, then the loss of every step on one line
//   step-accuracies <count>, then the batch accuracy of every step on one line
//   rng dropout …, rng order …
//   matrix <name> <rows> <cols> for every weight, in the order and with the names of
//                                          VitParams::names() ("patch.w", "block1.wq", …)
//   adam <step> <moments>, then m0 … and v0 …
//   curve <count>, then one point per line: epoch train-loss train-accuracy test-loss
//                                          test-accuracy
//   view <key> <value to the end of the line>   (any number)
//   end
//
// Example (the start of one):
//
//   attnlab-session 1
//   kind vision-transformer
//   data /usr/share/datasets/fashion-mnist
//   limits 5000 1000
//   setting image-rows 28
//   …
//   images 5000
//   position 0 20 1280 1280
#pragma once

#include "idx.h"
#include "imageset.h"
#include "sessionio.h"
#include "vittrainer.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnlab {

// Which images a session was trained on.
struct VitDataSource
{
    std::string folder; // the Fashion-MNIST folder (FashionMnist::folder); empty: the default
    int trainLimit = 0; // the first trainLimit training images were kept; 0: all
    int testLimit = 0;  // the same for the test images
};

// A point of the window's curves, kept so that a loaded session draws them again.
struct CurvePoint
{
    double epoch = 0; // epochs done, fractional
    double trainLoss = 0;
    double trainAccuracy = 0;
    double testLoss = 0;
    double testAccuracy = 0;
};

struct VitSession
{
    VitDataSource data;
    VitTrainConfig config;
    VitCheckpoint checkpoint;
    std::vector<CurvePoint> curve;
    std::map<std::string, std::string> view; // the window's layout; keys without spaces
};

// The trainer's whole state between two steps (mid-step: before the step begun), with where
// its images came from. Curve points with a number that is not finite are left out.
VitSession sessionOf(const VitTrainer& trainer, VitDataSource data,
                     const std::vector<CurvePoint>& curve = {},
                     std::map<std::string, std::string> view = {});
// Keeps the first `limit` images of the set (all when limit <= 0 or larger).
void keepFirstImages(ImageSet& set, int limit);
// The images the session names: Fashion-MNIST from data.folder (see findFashionMnist), each set
// cut to its limit. Throws InputError as loadFashionMnist does.
FashionMnist loadSessionImages(const VitDataSource& data);
// A trainer that goes on from the session, on these images. Throws InputError when the
// training set has not the size the session was trained on, or what the session holds does
// not fit its settings (naming the weight, …).
VitTrainer trainerOf(const VitSession& session, std::shared_ptr<const ImageSet> train,
                     std::shared_ptr<const ImageSet> test);

std::string writeSession(const VitSession& session);
// Throws InputError naming `source`, the line and the fault.
VitSession parseVitSession(std::string_view text, std::string_view source);

// Writes atomically (writeSessionFile). Throws InputError naming the path and the reason.
void saveSession(const VitSession& session, const std::string& path);
// Throws InputError naming the path and the fault.
VitSession loadVitSession(const std::string& path);

} // namespace attnlab
