/* fdio: whole reads and writes on file descriptors, retried on EINTR. */
#ifndef KLP_FDIO_H
#define KLP_FDIO_H

#include <errno.h>
#include <stddef.h>
#include <unistd.h>

/* Writes all of buf to fd; returns 0, or -1 with errno set. */
static inline int klp_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads exactly len bytes; returns 1, 0 at end of file, -1 on error. */
static inline int klp_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : -1;
		p += n;
		len -= (size_t)n;
	}
	return 1;
}

#endif
