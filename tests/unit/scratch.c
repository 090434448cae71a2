/* A unit test's own file tree: see scratch.h. */
#include "scratch.h"

#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

int
scratch_make(char *dir, size_t len, const char *tag)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	n = snprintf(dir, len, "%s/npr-%s-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp", tag);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

const char *
scratch_at(const char *dir, const char *rel)
{
	static char path[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof path[i], "%s/%s", dir, rel);
	return path[i];
}

void
scratch_put(const char *dir, const char *rel, const char *content,
    mode_t mode)
{
	char path[512], *slash = NULL;
	FILE *f = NULL;

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*slash = '/';
	}
	if ((f = fopen(path, "w")) == NULL)
		fail_msg("fopen %s: %s", path, strerror(errno));
	fputs(content, f);
	fclose(f);
	chmod(path, mode);
}

static int
scratch_remove_cb(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int
scratch_remove(const char *dir)
{
	if (dir[0] == '\0')
		return -1;
	return nftw(dir, scratch_remove_cb, 16, FTW_DEPTH | FTW_PHYS);
}
