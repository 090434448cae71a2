/*
 * stdspawn.exe PROGRAM [ARGS...]: run PROGRAM with this process's stdin
 * and with ONE handle as both its stdout and its stderr (an inheritable
 * duplicate of our stdout), as a Windows parent may pass them; exit with
 * its exit status.  A shell cannot do this under Wine: Wine gives fds 1
 * and 2 a handle each even when they are the same file.
 */
#include <windows.h>
#include <stdio.h>
#include <wchar.h>

/* Our command line without its first word (this program's name). */
static wchar_t *
rest_of_command_line(void)
{
	wchar_t *p = GetCommandLineW();
	int quoted = 0;

	for (; *p != L'\0'; p++) {
		if (*p == L'"')
			quoted = !quoted;
		else if (!quoted && (*p == L' ' || *p == L'\t'))
			break;
	}
	while (*p == L' ' || *p == L'\t')
		p++;
	return p;
}

int
main(void)
{
	STARTUPINFOW si = { 0 };
	PROCESS_INFORMATION pi;
	HANDLE self = GetCurrentProcess(), in, out;
	wchar_t *cmd = rest_of_command_line();
	DWORD status = 1;

	if (*cmd == L'\0') {
		fprintf(stderr, "usage: stdspawn.exe PROGRAM [ARGS...]\n");
		return 64;
	}
	if (!DuplicateHandle(self, GetStdHandle(STD_INPUT_HANDLE), self, &in,
	    0, TRUE, DUPLICATE_SAME_ACCESS) ||
	    !DuplicateHandle(self, GetStdHandle(STD_OUTPUT_HANDLE), self, &out,
	    0, TRUE, DUPLICATE_SAME_ACCESS)) {
		fprintf(stderr, "stdspawn: DuplicateHandle: error %lu\n",
		    GetLastError());
		return 1;
	}
	si.cb = sizeof si;
	si.dwFlags = STARTF_USESTDHANDLES;
	si.hStdInput = in;
	si.hStdOutput = out;
	si.hStdError = out;
	if (!CreateProcessW(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si,
	    &pi)) {
		fprintf(stderr, "stdspawn: CreateProcess: error %lu\n",
		    GetLastError());
		return 1;
	}
	CloseHandle(in);
	CloseHandle(out);
	WaitForSingleObject(pi.hProcess, INFINITE);
	GetExitCodeProcess(pi.hProcess, &status);
	return (int)status;
}
