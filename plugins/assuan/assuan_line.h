/*
 * Assuan lines as the assuan adapter sees them: at most 1000 bytes
 * including the LF, a command word, and the few words that are not
 * commands (D, END, CAN from a client answering an INQUIRE; OK, ERR, S,
 * INQUIRE and # from the server).
 */
#ifndef NPR_ASSUAN_LINE_H
#define NPR_ASSUAN_LINE_H

#include <stddef.h>

#define ASSUAN_LINE_MAX 1000
#define ASSUAN_WORD_MAX 64

enum assuan_kind {
	ASSUAN_EMPTY,   /* blank or a # comment: ignored by servers */
	ASSUAN_DATA,    /* D, END or CAN: data, not a command */
	ASSUAN_OK,      /* OK or ERR: a command (or the greeting) finished */
	ASSUAN_INQUIRE, /* the server asks the client for data */
	ASSUAN_OTHER,   /* a command from a client; S, # ... from a server */
};

/*
 * Find the end of the line at the start of BUF[0..LEN). Returns its
 * length including the LF, 0 when no LF has come yet within the limit, or
 * -1 when the line is longer than ASSUAN_LINE_MAX.
 */
long assuan_line_len(const unsigned char *buf, size_t len);

/*
 * Classify LINE (LEN bytes, LF included) and copy its first word into
 * WORD (ASSUAN_WORD_MAX bytes; longer words and unprintable bytes are
 * cut or replaced so the word is safe to log).
 */
enum assuan_kind assuan_line_kind(const unsigned char *line, size_t len,
    char word[ASSUAN_WORD_MAX]);

/* 1 when NAME could be an Assuan command word (letters, digits, _ -). */
int assuan_command_valid(const char *name);

#endif
