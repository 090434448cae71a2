/*
 * Creating an exposed pipe (docs/nprelay.md, "Exposed pipes"): its
 * security descriptor and its instances, with the flags Windows needs to
 * keep the name ours and local.  Low-level: errors go back to the
 * caller, nothing is logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expose_pipe.h"
#include "report.h"

#include <sddl.h>	/* after windows.h (nprelay.h) */

/* The pipe's buffer sizes, a hint to the system (as go-winio's). */
#define EXPOSE_BUFSIZE (64 * 1024)

/*
 * The pipe's security descriptor: the SDDL the route gave, or a
 * protected DACL (no inherited ACEs) granting the current user and
 * SYSTEM full access and nobody else.  The default is written as SDDL
 * too, so both take the one conversion.
 */
int
expose_pipe_security(const wchar_t *sddl, PSECURITY_DESCRIPTOR *sd,
    struct nprelay_error *err)
{
	static const wchar_t head[] = L"D:P(A;;FA;;;", tail[] = L")(A;;FA;;;SY)";
	HANDLE tok = NULL;
	TOKEN_USER *tu = NULL;
	wchar_t *sid = NULL, *own = NULL;
	DWORD n = 0;
	int rc = -1;

	*sd = NULL;
	if (sddl == NULL) {
		if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
			error_set(err, NPRELAY_EIO, GetLastError(),
			    "cannot read the user's token");
			goto out;
		}
		GetTokenInformation(tok, TokenUser, NULL, 0, &n);
		if (n == 0 || (tu = malloc(n)) == NULL ||
		    !GetTokenInformation(tok, TokenUser, tu, n, &n) ||
		    !ConvertSidToStringSidW(tu->User.Sid, &sid)) {
			error_set(err, NPRELAY_EIO, tu == NULL && n != 0 ?
			    ERROR_NOT_ENOUGH_MEMORY : GetLastError(),
			    "cannot read the user's SID");
			goto out;
		}
		n = (DWORD)(wcslen(head) + wcslen(sid) + wcslen(tail) + 1);
		if ((own = malloc(n * sizeof *own)) == NULL) {
			error_set(err, NPRELAY_EIO, ERROR_NOT_ENOUGH_MEMORY,
			    "cannot make the pipe's security descriptor");
			goto out;
		}
		wcscpy(own, head);
		wcscat(own, sid);
		wcscat(own, tail);
		sddl = own;
	}
	if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl,
	    SDDL_REVISION_1, sd, NULL)) {
		DWORD code = GetLastError();

		*sd = NULL;
		if (own == NULL) {
			char shown[200];

			report_utf8(sddl, shown, sizeof shown);
			error_set(err, NPRELAY_EUSAGE, code,
			    "invalid --expose-sddl \"%s\"", shown);
		} else
			error_set(err, NPRELAY_EIO, code, "cannot make the "
			    "pipe's security descriptor");
		goto out;
	}
	rc = 0;
out:
	if (tok != NULL)
		CloseHandle(tok);
	if (sid != NULL)
		LocalFree(sid);
	free(tu);
	free(own);
	return rc;
}

/*
 * One instance of the pipe.  The first one with
 * FILE_FLAG_FIRST_PIPE_INSTANCE: when the name exists already (another
 * process serves it, or squats it), Windows fails with
 * ERROR_ACCESS_DENIED instead of adding our instance to its pipe.
 */
HANDLE
expose_pipe_create(const wchar_t *name, PSECURITY_DESCRIPTOR sd, int first,
    DWORD *err)
{
	SECURITY_ATTRIBUTES sa;
	HANDLE h;

	memset(&sa, 0, sizeof sa);
	sa.nLength = sizeof sa;
	sa.lpSecurityDescriptor = sd;
	sa.bInheritHandle = FALSE;
	h = CreateNamedPipeW(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED |
	    (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0),
	    PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT |
	    PIPE_REJECT_REMOTE_CLIENTS, PIPE_UNLIMITED_INSTANCES,
	    EXPOSE_BUFSIZE, EXPOSE_BUFSIZE, 0, &sa);
	if (h == INVALID_HANDLE_VALUE)
		*err = GetLastError();
	return h;
}

/*
 * Whether the first instance joined a pipe that existed already: more
 * than one instance right after creating it.  Windows refuses that
 * with FILE_FLAG_FIRST_PIPE_INSTANCE, but Wine (8) ignores the flag
 * and adds the instance to the other process's pipe, where its clients
 * would reach us; the count shows it.  Either way the name is not ours.
 */
int
expose_pipe_joined(HANDLE h)
{
	DWORD cur = 0;

	return GetNamedPipeHandleStateW(h, NULL, &cur, NULL, NULL, NULL, 0) &&
	    cur > 1;
}
