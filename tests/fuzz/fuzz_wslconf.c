/*
 * lib/wslconf: any bytes as a wsl.conf. The parser must stay inside them,
 * never overflow the caller's buffer, and agree with itself: a value it
 * returns in a small buffer is the one it returns in a large one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wslconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[][2] = { { "automount", "root" },
		{ "interop", "enabled" }, { "boot", "systemd" } };
	char big[8192], small[8], err[256];
	char *text = NULL;
	enum wslconf_found a, b;
	unsigned la = 0, lb = 0;
	size_t i;
	int nul = memchr(data, '\0', size) != NULL;

	/* An exact-size copy: reading past SIZE is caught. */
	if ((text = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	for (i = 0; i < sizeof keys / sizeof *keys; i++) {
		a = wslconf_parse("f", text, size, keys[i][0], keys[i][1], big,
		    sizeof big, &la, err, sizeof err);
		b = wslconf_parse("f", text, size, keys[i][0], keys[i][1], small,
		    sizeof small, &lb, err, sizeof err);
		/* A NUL ends the value as C sees it, not as the parser counts. */
		if (!nul && a == WSLCONF_SET && strlen(big) < sizeof small &&
		    (b != WSLCONF_SET || strcmp(big, small) != 0 || la != lb))
			abort();
		if (a == WSLCONF_SET && strlen(big) >= sizeof small &&
		    b != WSLCONF_ERROR)
			abort();
		if (a == WSLCONF_UNSET && b != WSLCONF_UNSET)
			abort();
		if (a == WSLCONF_SET && (la == 0 || la > size + 1))
			abort();
	}
	free(text);
	return 0;
}
