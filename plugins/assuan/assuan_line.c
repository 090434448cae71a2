/* Assuan line framing; see assuan_line.h. */
#include "assuan_line.h"

#include <string.h>
#include <strings.h>

long
assuan_line_len(const unsigned char *buf, size_t len)
{
	const unsigned char *nl = NULL;

	nl = memchr(buf, '\n', len < ASSUAN_LINE_MAX ? len : ASSUAN_LINE_MAX);
	if (nl != NULL)
		return (long)(nl - buf) + 1;
	return len >= ASSUAN_LINE_MAX ? -1 : 0;
}

/* The word ends at a space, a tab, CR or the LF. */
static size_t
assuan_word_len(const unsigned char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' ||
		    line[i] == '\n')
			break;
	}
	return i;
}

static int
assuan_word_is(const char *word, const char *what)
{
	return strcmp(word, what) == 0;
}

enum assuan_kind
assuan_line_kind(const unsigned char *line, size_t len,
    char word[ASSUAN_WORD_MAX])
{
	size_t wlen = assuan_word_len(line, len), i;

	for (i = 0; i < wlen && i + 1 < ASSUAN_WORD_MAX; i++)
		word[i] = line[i] > 0x20 && line[i] < 0x7f ? (char)line[i] : '?';
	word[i] = '\0';
	if (wlen == 0 || line[0] == '#')
		return ASSUAN_EMPTY;
	/* Protocol words are upper case; commands are not case-sensitive. */
	if (assuan_word_is(word, "D") || assuan_word_is(word, "END") ||
	    assuan_word_is(word, "CAN"))
		return ASSUAN_DATA;
	if (assuan_word_is(word, "OK") || assuan_word_is(word, "ERR"))
		return ASSUAN_OK;
	if (assuan_word_is(word, "INQUIRE"))
		return ASSUAN_INQUIRE;
	return ASSUAN_OTHER;
}

int
assuan_command_valid(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len < ASSUAN_WORD_MAX && strspn(name,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
	    == len;
}
