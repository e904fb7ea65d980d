// fast-cpp-csv-parser (<csv.h>), included as a system header.
//
// Its header trips -Wparentheses and -Wstringop-truncation, and the build
// treats warnings as errors; marking this wrapper a system header silences
// warnings from the third-party code only (and, for GCC, one more below). Built without its reader
// thread: traces are read before a run starts and a run uses no threads.
#pragma once
#pragma GCC system_header

// GCC reports a strncpy truncation inside csv.h only after inlining it into
// our code, where the system-header exemption no longer applies; the
// truncation is the library's intended clipping of long file names.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#endif

#define CSV_IO_NO_THREAD
#include <csv.h>
