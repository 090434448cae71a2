/*
 * Messages.  stderr of the relay ends up in the router's log, one line per
 * message, so every line starts with "nprelay: " and the target, and ends
 * in a bare "\n" (the C runtime's text mode would add "\r").
 */
#include <stdio.h>
#include <string.h>

#include "report.h"

static int report_verbose_on;
static char report_target[512] = "?";

void
error_set(struct nprelay_error *err, int status, DWORD code, const char *fmt,
    ...)
{
	va_list ap;

	err->status = status;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->what, sizeof err->what, fmt, ap);
	va_end(ap);
}

int
report_utf8(const wchar_t *w, char *buf, size_t len)
{
	int n;

	n = WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)len, NULL, NULL);
	if (n <= 0) {
		snprintf(buf, len, "?");
		return -1;
	}
	return 0;
}

void
report_init(int verbose, const wchar_t *target)
{
	report_verbose_on = verbose;
	if (target != NULL)
		report_utf8(target, report_target, sizeof report_target);
}

void
report_say(const char *what, const char *fmt, ...)
{
	char msg[1600], line[1700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(line, sizeof line, "nprelay: %s%s%s\n",
	    what != NULL ? what : "", what != NULL ? ": " : "", msg);
	report_write(GetStdHandle(STD_ERROR_HANDLE), line);
}

void
report_write(HANDLE h, const char *text)
{
	DWORD len = (DWORD)strlen(text), done = 0, n;

	/* A closed stderr must not stop the relay, so errors are ignored. */
	while (done < len) {
		if (!WriteFile(h, text + done, len - done, &n, NULL) || n == 0)
			return;
		done += n;
	}
}

/* The system's text for CODE, without the trailing ".\r\n". */
static void
report_win32_text(DWORD code, char *buf, size_t len)
{
	wchar_t wbuf[512];
	DWORD n;

	n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM |
	    FORMAT_MESSAGE_IGNORE_INSERTS | FORMAT_MESSAGE_MAX_WIDTH_MASK,
	    NULL, code, 0, wbuf, sizeof wbuf / sizeof wbuf[0], NULL);
	while (n > 0 && (wbuf[n - 1] == L'\r' || wbuf[n - 1] == L'\n' ||
	    wbuf[n - 1] == L' ' || wbuf[n - 1] == L'.'))
		wbuf[--n] = L'\0';
	if (n == 0 || report_utf8(wbuf, buf, len) != 0)
		snprintf(buf, len, "unknown error");
}

/*
 * "TARGET: what: system text (error N)", the error line without its
 * "nprelay: " prefix: stderr gets it in spawn mode, the open reply in
 * mux mode (docs/mux.md), so both say the same; TARGET NULL leaves
 * "TARGET: " out.
 */
void
report_format(const struct nprelay_error *err, const char *target, char *buf,
    size_t len)
{
	char text[1024];

	/* No TARGET: --probe prints it in a field of its own. */
	const char *sep = target != NULL ? ": " : "";

	if (target == NULL)
		target = "";
	if (err->code != 0) {
		report_win32_text(err->code, text, sizeof text);
		snprintf(buf, len, "%s%s%s: %s (error %lu)", target, sep,
		    err->what, text, (unsigned long)err->code);
	} else
		snprintf(buf, len, "%s%s%s", target, sep, err->what);
}

void
report_error(const struct nprelay_error *err)
{
	char line[1536], msg[1500];

	report_format(err, report_target, msg, sizeof msg);
	snprintf(line, sizeof line, "nprelay: %s\n", msg);
	report_write(GetStdHandle(STD_ERROR_HANDLE), line);
}

void
report_usage_error(const char *msg)
{
	char line[512];

	snprintf(line, sizeof line,
	    "nprelay: %s\nTry 'nprelay.exe --help' for more information.\n", msg);
	report_write(GetStdHandle(STD_ERROR_HANDLE), line);
}

void
report_verbose(const char *fmt, ...)
{
	char msg[512], line[1100];
	va_list ap;

	if (!report_verbose_on)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(line, sizeof line, "nprelay: %s: %s\n", report_target, msg);
	report_write(GetStdHandle(STD_ERROR_HANDLE), line);
}
