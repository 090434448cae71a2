/* Ask the kernel which unix sockets listen, by the file they are bound to. */
#include "sockdiag.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

/* TCP_LISTEN of the kernel's socket states, which unix sockets share. */
#define SOCKDIAG_LISTEN 10

/* Does the reply MSG name the bound file DEV:INO? */
static int
sockdiag_match(const struct nlmsghdr *nlh, dev_t dev, ino_t ino,
    unsigned long *sock_ino)
{
	const struct unix_diag_msg *m = NLMSG_DATA(nlh);
	const struct unix_diag_vfs *vfs;
	const struct rtattr *a;
	int len;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof *m))
		return 0;
	len = (int)(nlh->nlmsg_len - NLMSG_LENGTH(sizeof *m));
	for (a = (const struct rtattr *)(m + 1); RTA_OK(a, len);
	    a = RTA_NEXT(a, len)) {
		if (a->rta_type != UNIX_DIAG_VFS ||
		    RTA_PAYLOAD(a) < sizeof *vfs)
			continue;
		vfs = RTA_DATA(a);
		/* The kernel's own dev_t (MKDEV: 12 bits of major above 20
		 * of minor), not the encoding stat() hands out. */
		if (vfs->udiag_vfs_ino == ino &&
		    vfs->udiag_vfs_dev == (((unsigned)major(dev) << 20) |
		    (unsigned)minor(dev))) {
			*sock_ino = m->udiag_ino;
			return 1;
		}
	}
	return 0;
}

int
sockdiag_listener(dev_t dev, ino_t ino, unsigned long *sock_ino)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} ask;
	struct sockaddr_nl nl;
	union {
		struct nlmsghdr nlh;
		char buf[32768];
	} ans;
	const struct nlmsghdr *h;
	ssize_t n;
	int fd, rc = -1, done = 0, found = 0;

	*sock_ino = 0;
	if ((fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
	    NETLINK_SOCK_DIAG)) == -1)
		return -1;
	memset(&ask, 0, sizeof ask);
	ask.nlh.nlmsg_len = sizeof ask;
	ask.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	ask.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ask.req.sdiag_family = AF_UNIX;
	ask.req.udiag_states = 1U << SOCKDIAG_LISTEN;
	ask.req.udiag_show = UDIAG_SHOW_VFS;
	memset(&nl, 0, sizeof nl);
	nl.nl_family = AF_NETLINK;
	if (sendto(fd, &ask, sizeof ask, 0, (struct sockaddr *)&nl,
	    sizeof nl) != (ssize_t)sizeof ask)
		goto out;
	/* Read the whole dump, even past a match: it ends with NLMSG_DONE. */
	while (!done) {
		if ((n = recv(fd, ans.buf, sizeof ans.buf, 0)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			goto out;
		}
		for (h = &ans.nlh; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR)
				goto out;
			if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
			    sockdiag_match(h, dev, ino, sock_ino))
				found = 1;
		}
	}
	rc = found;
out:
	close(fd);
	return rc;
}

int
sockdiag_listening(dev_t dev, ino_t ino)
{
	unsigned long sock_ino;

	return sockdiag_listener(dev, ino, &sock_ino);
}
