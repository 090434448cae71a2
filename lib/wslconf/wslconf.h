/*
 * wsl.conf, read the way WSL's own init reads it, for everything in the
 * tree that needs a fact from it (the doctor, the docker adapter's
 * automount root): one parser, so they can never disagree.
 *
 * What WSL does, and so what this does:
 *   - "[name]" starts a section: a letter, then letters or digits, then
 *     "]", then only blanks or a "#" comment.
 *   - "key = value": the key is a letter, then letters or digits.
 *     Section and key are matched without regard to case.
 *   - Only "#" starts a comment, whole-line or after a value or header;
 *     ";" is an ordinary character ("/win ;c" is a value).
 *   - In a value, double quotes are removed and protect what they
 *     enclose ("#" and blanks included); a backslash escapes \\, \", \b,
 *     \n and \t, and joins the next line; blanks at the end of a value
 *     (outside quotes) are dropped, and so are those after the "=".
 *     Single quotes are ordinary characters.
 *   - A line that is none of these (a ";" comment, "key: value", an
 *     unknown escape, an unclosed quote) ends the parse: WSL keeps what it
 *     read before that line and ignores the rest of the file.
 *   - When a key appears twice in a section, the first one counts.
 *   - Lines may end in "\n" or "\r\n".
 * Pure functions: no logging; errors go to the caller.
 */
#ifndef NPR_WSLCONF_H
#define NPR_WSLCONF_H

#include <stddef.h>

/* Where WSL mounts the Windows drives when wsl.conf says nothing. */
#define WSLCONF_AUTOMOUNT_DEFAULT "/mnt/"
/* wsl.conf files larger than this are refused, not read. */
#define WSLCONF_SIZE_MAX (1024 * 1024)

enum wslconf_found {
	WSLCONF_ERROR = -1,  /* the reason is in ERR */
	WSLCONF_NO_FILE = 0, /* there is no such file */
	WSLCONF_UNSET = 1,   /* the file does not set the key */
	WSLCONF_SET = 2,     /* the value is in BUF, its line in *LINE */
};

/*
 * Look up SECTION's KEY in the LEN bytes of TEXT (a wsl.conf; NAME is
 * used in messages). Returns WSLCONF_SET with the value in BUF and its
 * line number in *LINE (when LINE is not NULL), WSLCONF_UNSET, or
 * WSLCONF_ERROR when the value does not fit BUFLEN.
 */
enum wslconf_found wslconf_parse(const char *name, const char *text,
    size_t len, const char *section, const char *key, char *buf,
    size_t buflen, unsigned *line, char *err, size_t errlen);

/*
 * The same for the file PATH: a regular file, read without blocking and
 * at most WSLCONF_SIZE_MAX bytes. WSLCONF_NO_FILE when it does not exist.
 */
enum wslconf_found wslconf_read(const char *path, const char *section,
    const char *key, char *buf, size_t buflen, unsigned *line, char *err,
    size_t errlen);

/*
 * Where WSL mounts the Windows drives, by the wsl.conf at PATH: its
 * [automount] root, ending in "/" as WSL makes it (an empty root is "/"),
 * or WSLCONF_AUTOMOUNT_DEFAULT when the file (unless MUST_EXIST) or the key
 * is missing. Returns 0 with the root in BUF, or -1 with the reason in ERR
 * (unreadable file, a root that is not an absolute path, too long).
 */
int wslconf_automount_root(const char *path, int must_exist, char *buf,
    size_t buflen, char *err, size_t errlen);

#endif
