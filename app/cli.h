// attnlab-cli: the headless tool. Trains a model without a display and prints its matrices
// as tables (train), or writes them as figures and data files (export), for batch jobs and
// for checking results against a notebook.
#pragma once

// Runs the command line; returns the process exit status (see --help: 0 success, 1 bad input,
// 2 bad usage, 3 training stopped at a non-finite loss).
int runCli(int argc, char** argv);
