/* Sockets handed in by systemd socket activation, by route name. */
#include "activation.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef NPR_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "log.h"

static char **activation_names;
static int activation_n;

void
activation_init(void)
{
#ifdef NPR_HAVE_SYSTEMD
	int n = sd_listen_fds_with_names(1, &activation_names);

	if (n < 0) {
		log_warn("cannot read the sockets passed by systemd: %s",
		    strerror(-n));
		return;
	}
	activation_n = n;
	for (int i = 0; i < n; i++) {
		/* Ours to keep from relay children. */
		fcntl(SD_LISTEN_FDS_START + i, F_SETFD, FD_CLOEXEC);
		log_debug("systemd passed socket \"%s\" (fd %d)",
		    activation_names[i], SD_LISTEN_FDS_START + i);
	}
#endif
}

int
activation_count(void)
{
#ifdef NPR_HAVE_SYSTEMD
	/* Checks LISTEN_PID, so a variable meant for a parent is ignored;
	 * leaves the environment for activation_init(). */
	int n = sd_listen_fds(0);

	return n > 0 ? n : 0;
#else
	return 0;
#endif
}

int
activation_take(const char *name)
{
#ifdef NPR_HAVE_SYSTEMD
	for (int i = 0; i < activation_n; i++) {
		if (activation_names[i] != NULL &&
		    strcmp(activation_names[i], name) == 0) {
			free(activation_names[i]);
			activation_names[i] = NULL;
			return SD_LISTEN_FDS_START + i;
		}
	}
#else
	(void)name;
#endif
	return -1;
}

void
activation_close_unused(void)
{
#ifdef NPR_HAVE_SYSTEMD
	for (int i = 0; i < activation_n; i++) {
		if (activation_names[i] == NULL)
			continue;
		log_warn("systemd passed socket \"%s\" but no route has that "
		    "name; closing it", activation_names[i]);
		close(SD_LISTEN_FDS_START + i);
		free(activation_names[i]);
	}
	free(activation_names);
	activation_names = NULL;
	activation_n = 0;
#endif
}
