/*
 * Helpers for unit tests that build a file tree of their own (a fake WSL
 * root, a fake %LOCALAPPDATA%): paths below it, files put into it, and
 * its removal.
 */
#ifndef NPR_TEST_SCRATCH_H
#define NPR_TEST_SCRATCH_H

#include <stddef.h>
#include <sys/types.h>

/* A new folder $TMPDIR/npr-TAG-XXXXXX (/tmp without TMPDIR) into DIR
 * (LEN bytes); 0 or -1. */
int scratch_make(char *dir, size_t len, const char *tag);

/* DIR/REL, in one of four buffers used in turn. */
const char *scratch_at(const char *dir, const char *rel);

/* Write CONTENT to DIR/REL with MODE, creating the folders; fails the
 * test when it cannot. */
void scratch_put(const char *dir, const char *rel, const char *content,
    mode_t mode);

/* Remove DIR and everything below it, links not followed; 0 or -1. */
int scratch_remove(const char *dir);

#endif
