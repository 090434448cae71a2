/*
 * nptest-muxrelay: a stream's open request read as nprelay's command line
 * (docs/nprelay.md, "Flags": Go flag syntax), and the target opened as a
 * unix socket, its failures named by the Win32 code a pipe would give.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "muxrelay.h"

/* Windows' texts, as nprelay prints them (no final period). */
const char *
mr_win32_text(uint32_t code)
{
	switch (code) {
	case 2:
		return "The system cannot find the file specified";
	case 5:
		return "Access is denied";
	case 31:
		return "A device attached to the system is not functioning";
	case 123:
		return "The filename, directory name, or volume label syntax "
		    "is incorrect";
	case 231:
		return "All pipe instances are busy";
	default:
		return "Unknown error";
	}
}

/*
 * A missing socket file, and one nobody listens on (a pipe whose server
 * closed every instance has no name left), are ERROR_FILE_NOT_FOUND; a
 * full backlog is the busy pipe, ERROR_PIPE_BUSY.
 */
uint32_t
mr_errno_code(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ECONNREFUSED:
		return 2;
	case EACCES:
	case EPERM:
		return 5;
	case EAGAIN:
		return 231;
	case ENAMETOOLONG:
	case EINVAL:
		return 123;
	default:
		return 31;
	}
}

/* The line nprelay prints when it cannot open its target, without its
 * "nprelay: " prefix (docs/mux.md §4). */
void
mr_open_message(char *msg, size_t len, const char *pipe, uint32_t code)
{
	snprintf(msg, len, "%s: cannot open pipe: %s (error %lu)", pipe,
	    mr_win32_text(code), (unsigned long)code);
}

static int
mr_arg_bool(const char *v, int *out)
{
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE",
	    "True" };
	static const char *const no[] = { "0", "f", "F", "false", "FALSE",
	    "False" };
	size_t i;

	for (i = 0; i < 6; i++) {
		if (strcmp(v, yes[i]) == 0)
			return *out = 1, 0;
		if (strcmp(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

int
mr_args_parse(struct mr_chan *c, const struct mux_open_request *req,
    char *err, size_t errlen)
{
	char arg[MUX_OPEN_REQUEST_MAX], *name, *val;
	int *flag, ignored;
	size_t i;
	char *end;
	unsigned long l;

	c->opt_l = 60;		/* nprelay's default cap on -p */
	for (i = 0; i < req->argc; i++) {
		memcpy(arg, req->argv[i].ptr, req->argv[i].len);
		arg[req->argv[i].len] = '\0';
		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		name = arg + (arg[1] == '-' ? 2 : 1);
		if ((val = strchr(name, '=')) != NULL)
			*val++ = '\0';
		flag = NULL;
		if (strcmp(name, "s") == 0)
			flag = &c->opt_s;
		else if (strcmp(name, "ep") == 0)
			flag = &c->opt_ep;
		else if (strcmp(name, "ei") == 0)
			flag = &c->opt_ei;
		else if (strcmp(name, "p") == 0)
			flag = &c->opt_p;
		else if (strcmp(name, "expose") == 0)
			flag = &c->opt_expose;
		else if (strcmp(name, "a") == 0 || strcmp(name, "v") == 0 ||
		    strcmp(name, "bg") == 0)
			flag = &ignored;
		if (flag != NULL) {
			if (val == NULL)
				*flag = 1;
			else if (mr_arg_bool(val, flag) != 0)
				goto bad_value;
			continue;
		}
		if (strcmp(name, "expose-sddl") == 0) {
			if (val == NULL) {
				if (++i == req->argc) {
					snprintf(err, errlen, "flag needs an "
					    "argument: -expose-sddl");
					return -1;
				}
				val = (char *)req->argv[i].ptr;
				if (req->argv[i].len >= sizeof c->sddl)
					goto bad_value;
				memcpy(c->sddl, val, req->argv[i].len);
				c->sddl[req->argv[i].len] = '\0';
			} else
				snprintf(c->sddl, sizeof c->sddl, "%s", val);
			continue;
		}
		if (strcmp(name, "l") != 0) {
			snprintf(err, errlen, "flag provided but not defined: "
			    "-%s", name);
			return -1;
		}
		if (val == NULL) {
			if (++i == req->argc) {
				snprintf(err, errlen, "flag needs an argument: "
				    "-l");
				return -1;
			}
			memcpy(arg, req->argv[i].ptr, req->argv[i].len);
			arg[req->argv[i].len] = '\0';
			val = arg;
		}
		errno = 0;
		l = strtoul(val, &end, 10);
		if (errno != 0 || end == val || *end != '\0' || l > 86400)
			goto bad_value;
		c->opt_l = (unsigned)l;
		c->opt_p = 1;
	}
	if (req->argc - i != 1) {
		snprintf(err, errlen, "%s", i == req->argc ? "missing target" :
		    "more than one target");
		return -1;
	}
	if (req->argv[i].len >= sizeof c->pipe) {
		snprintf(err, errlen, "target name too long");
		return -1;
	}
	memcpy(c->pipe, req->argv[i].ptr, req->argv[i].len);
	c->pipe[req->argv[i].len] = '\0';
	return 0;
bad_value:
	snprintf(err, errlen, "invalid value \"%s\" for flag -%s", val, name);
	return -1;
}

int
mr_connect(struct mr_chan *c, uint32_t *code)
{
	struct sockaddr_un sa;
	int fd = -1;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(c->pipe) >= sizeof sa.sun_path) {
		*code = mr_errno_code(ENAMETOOLONG);
		return -1;
	}
	strcpy(sa.sun_path, c->pipe);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*code = mr_errno_code(errno);
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
		c->fd = fd;
		return 0;
	}
	if (errno == EINPROGRESS) {
		c->fd = fd;
		c->connecting = 1;
		return 0;
	}
	*code = mr_errno_code(errno);
	close(fd);
	return -1;
}
