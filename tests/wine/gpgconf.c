/*
 * A STAND-IN for Gpg4win's gpgconf.exe, for the tests of npiperouter's
 * built-in gpg routes (tests/adapters/zeroconf_wine.sh): Gpg4win itself
 * does not run here. It answers only what npiperouter asks:
 *
 *   gpgconf.exe --list-dirs   prints the environment variable
 *                             NPR_GPGCONF_DIRS as is ("key:value" lines,
 *                             values percent-escaped as gpgconf writes
 *                             them: "agent-socket:C%3a\Users\...")
 *   gpgconf.exe --launch gpg-agent
 *                             appends a line to the file named by
 *                             NPR_GPGCONF_LAUNCHED (the test's agent runs
 *                             already), exit 0
 *
 * and exits 2 for anything else, as gpgconf does for a bad option.
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	static char dirs[32768];
	DWORD n, done;

	if (argc == 3 && strcmp(argv[1], "--launch") == 0 &&
	    strcmp(argv[2], "gpg-agent") == 0) {
		n = GetEnvironmentVariableA("NPR_GPGCONF_LAUNCHED", dirs,
		    sizeof dirs);
		if (n > 0 && n < sizeof dirs) {
			FILE *f = fopen(dirs, "a");

			if (f == NULL)
				return 1;
			fputs("launch gpg-agent\n", f);
			fclose(f);
		}
		return 0;
	}
	if (argc != 2 || strcmp(argv[1], "--list-dirs") != 0) {
		fprintf(stderr, "gpgconf (stand-in): only --list-dirs\n");
		return 2;
	}
	n = GetEnvironmentVariableA("NPR_GPGCONF_DIRS", dirs, sizeof dirs);
	if (n == 0 || n >= sizeof dirs) {
		fprintf(stderr, "gpgconf (stand-in): NPR_GPGCONF_DIRS unset\n");
		return 1;
	}
	WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), dirs, n, &done, NULL);
	return 0;
}
