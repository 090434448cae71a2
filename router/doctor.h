/*
 * `npiperouter doctor`: the checks a WSL user would otherwise search the
 * web for, one line per finding with what to do about it.
 */
#ifndef NPR_DOCTOR_H
#define NPR_DOCTOR_H

#include <stddef.h>
#include <stdio.h>

struct config;

/*
 * Check the system and CFG (NULL when CONFIG_FILE did not load) and print
 * the findings to OUT, each line starting with "ok", "warn" or "FAIL".
 * Returns the exit status: 1 when something is broken, 0 when every check
 * passed or only warned.
 */
int doctor_run(const struct config *cfg, const char *config_file, FILE *out);

/*
 * The same with every system file below ROOT ("" for the real ones:
 * /proc, /run/WSL, /etc/wsl.conf), for tests. PIPE_TIMEOUT_MS bounds each
 * relay started to check a pipe.
 */
struct doctor_opts {
	const char *root;
	unsigned pipe_timeout_ms;
	/* What the running instance says of its exposed pipes (the control
	 * request "exposures"); NULL when none runs. */
	const char *exposures;
};
int doctor_run_opts(const struct doctor_opts *, const struct config *cfg,
    const char *config_file, FILE *out);

/*
 * A live WSL interop socket below ROOT: the /run/WSL/PID_interop with the
 * lowest PID that accepts a connection. Relays started outside a WSL
 * terminal (by systemd) have no WSL_INTEROP, and Windows programs then
 * cannot start. Returns BUF holding the path, or NULL when there is none.
 */
const char *doctor_find_interop_socket_at(const char *root, char *buf,
    size_t len);

/* The facts the checks are built on (doctor_wsl.c), exported for tests. */
enum doctor_wsl {
	DOCTOR_NOT_WSL,
	DOCTOR_WSL1,
	DOCTOR_WSL2,
};
/* WSL 1 or 2 from the kernel release; KERNEL gets the release string. */
enum doctor_wsl doctor_wsl_detect(const char *root, char *kernel, size_t len);

enum doctor_interop {
	DOCTOR_INTEROP_MISSING,  /* no WSLInterop binfmt_misc entry */
	DOCTOR_INTEROP_DISABLED, /* an entry, but disabled */
	DOCTOR_INTEROP_ENABLED,
	DOCTOR_BINFMT_UNMOUNTED, /* /proc/sys/fs/binfmt_misc not mounted */
	DOCTOR_BINFMT_DISABLED,  /* binfmt_misc as a whole is off */
};
/* ENTRY gets the name of the entry found ("WSLInterop-late", ...). */
enum doctor_interop doctor_interop_state(const char *root, char *entry,
    size_t len);

/*
 * Value of KEY in [SECTION] of ROOT/etc/wsl.conf into BUF, read as WSL
 * reads it (lib/wslconf); 0 when set, -1 when the file, section or key is
 * missing or unreadable.
 */
int doctor_wsl_conf(const char *root, const char *section, const char *key,
    char *buf, size_t len);
/*
 * Where Windows drives are mounted: [automount] root of ROOT/etc/wsl.conf,
 * "/mnt/" by default; always ends in "/". Returns -1 with the reason in
 * ERR (and "/mnt/" in BUF) when the file cannot be read or its root is
 * not an absolute path.
 */
int doctor_automount_root(const char *root, char *buf, size_t len,
    char *err, size_t errlen);
/* PATH is on a Windows drive: AUTOMOUNT followed by one drive letter. */
int doctor_on_windows_drive(const char *path, const char *automount);
/* FILE starts with "MZ", the mark of a Windows executable. */
int doctor_is_windows_exe(const char *file);
/*
 * The WSL_INTEROP entry relays get instead of ours ("WSL_INTEROP=SOCK"
 * in VAR), or NULL to keep ours: ours is missing or dead (systemd, a
 * closed terminal) and SOCK, below ROOT, answers. The daemon and the
 * doctor both hand it to child_env_init(), so relays see the same.
 */
const char *doctor_relay_interop(const char *root, char *var, size_t len);
/* The unix socket PATH accepts a connection right now. */
int doctor_socket_answers(const char *path);
/* Something listens on the unix socket PATH, without connecting: with ROOT
 * "" the kernel says so of the file itself (sockdiag.c), else, and when it
 * cannot tell, ROOT/proc/net/unix does by name. 1 yes, 0 no, -1 cannot
 * tell. */
int doctor_socket_listening(const char *root, const char *path);

/*
 * The string at KEYS[0].KEYS[1]... (a NULL-terminated list) of the JSON
 * object TEXT (LEN bytes) into OUT: 0; 1 when it is not there or not a
 * string; -1 when the text is not JSON. For the docker CLI's files.
 */
int doctor_json_get(const char *text, size_t len, const char *const *keys,
    char *out, size_t outlen);

#endif
