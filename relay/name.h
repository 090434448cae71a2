/*
 * Which targets nprelay.exe may open, decided from the name alone before
 * anything is opened: a local named pipe, or an assuan socket file on a
 * local drive.  See docs/nprelay.md, "Targets".
 */
#ifndef NPRELAY_NAME_H
#define NPRELAY_NAME_H

#include <stddef.h>
#include <wchar.h>

int name_check_pipe(const wchar_t *target, int allow_remote, char *why,
    size_t whylen);
int name_check_file(const wchar_t *path, char *why, size_t whylen);

#endif
