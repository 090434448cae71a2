/* nprelay.exe --mux: every connection of a route as a stream on stdio. */
#ifndef NPRELAY_MUX_MAIN_H
#define NPRELAY_MUX_MAIN_H

#include "nprelay.h"

/* Runs the mux relay; does not return (the process ends). */
int mux_main(int argc, wchar_t **argv);

#endif
