/* Messages to stderr and stdout, written as UTF-8 with plain "\n". */
#ifndef NPRELAY_REPORT_H
#define NPRELAY_REPORT_H

#include "nprelay.h"

void report_init(int verbose, const wchar_t *target);
void report_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_error(const struct nprelay_error *);
void report_format(const struct nprelay_error *, const char *target,
    char *buf, size_t len);
void report_usage_error(const char *msg);
void report_write(HANDLE, const char *text);
/* One line "nprelay: WHAT: message" on stderr (WHAT NULL: no WHAT). */
void report_say(const char *what, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int report_utf8(const wchar_t *, char *buf, size_t len);

#endif
