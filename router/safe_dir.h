/* Open a folder by name without following a symlink someone else made. */
#ifndef NPR_SAFE_DIR_H
#define NPR_SAFE_DIR_H

#include <stddef.h>

/*
 * Open the folder PATH as an O_PATH, close-on-exec descriptor, one
 * component at a time, each opened relative to the one before and never
 * through a symlink that is not owned by root or by us. Once open, the
 * descriptor stays that folder whatever is renamed above it. Returns the
 * descriptor, or -1 with ERR set (naming the component at fault).
 */
int safe_dir_open(const char *path, char *err, size_t errlen);

#endif
